from sqlalchemy.exc import IntegrityError

from chassis.assertions import AssertionKeys, sign
from chassis.crypto import Cipher, mask_phone, transit
from chassis.db import Database
from chassis.metrics import Instrumentation
from chassis.redis_client import Redis
from chassis.rpc import ServiceRpc, rpc
from chassis.settings import FromSettings, SettingsProvider
from chassis.timestamps import Clock
from contracts.errors import InvalidInput, NotFound
from contracts.events import CitizenRegistered
from contracts.time import iso_utc
from services.identity import access, faces, phone_confirmation, real_name, repository
from services.identity.adapters import HttpFaceProvider, HttpRegistry
from services.identity.consent import check_request
from services.identity.domain import (
    NewCitizen,
    Registration,
    check_name,
    mask_name,
    new_citizen_id,
)
from services.identity.id_numbers import mask as mask_id_number
from services.identity.id_numbers import normalise
from services.identity.models import ID_NUMBER, NAME, PHONE, Citizen, Inbox, Outbox
from services.identity.phone_codes import check_format


class IdentityService:
    name = "identity"

    db = Database(Outbox, Inbox)
    cipher = Cipher()
    redis = Redis()
    registry = FromSettings(lambda settings: HttpRegistry(settings.registry_url))
    assertion_keys = AssertionKeys()
    face = FromSettings(lambda settings: HttpFaceProvider(settings.face_url))
    notify = ServiceRpc("notify")
    settings = SettingsProvider()
    instrumentation = Instrumentation()
    clock = Clock()

    @rpc
    def ping(self):
        return "pong"

    @rpc
    def register_citizen(self, partner_id, partner_user_id, sealed_phone, locale):
        """Register a partner's user; the same partner_user_id again returns the same citizen."""
        phone = self._unseal(sealed_phone, "phone")
        registration = Registration(partner_id, partner_user_id, phone, locale)
        try:
            # Insert first: a new user is the common case, and the unique
            # constraint (not a read before the write) decides who was first.
            with self.db.core_transaction() as connection:
                citizen = self._new_citizen(registration)
                repository.add_citizen(connection, citizen)
                self.db.publish(CitizenRegistered(
                    citizen_id=citizen.id, partner_id=partner_id, locale=citizen.locale,
                ))
            return self._view(citizen, created=True, phone=registration.phone)
        except IntegrityError:
            with self.db.read() as session:
                existing = repository.citizen_by_partner_user(session, partner_id,
                                                              partner_user_id)
                if existing is None:
                    raise  # some other constraint failed: not a repeat registration
                return self._view(existing, created=False)

    @rpc
    def start_phone_verification(self, partner_id, citizen_id):
        """Text the citizen a fresh one-time code (any earlier code stops working)."""
        return phone_confirmation.send_code(self.codes, self.notify, self.cipher,
                                            self.settings.blind_index_key,
                                            self._citizen(partner_id, citizen_id))

    @rpc
    def confirm_phone(self, partner_id, citizen_id, code):
        check_format(code)
        citizen = self._citizen(partner_id, citizen_id)
        citizen.assurance_level = phone_confirmation.confirm(
            self.db, self.codes, self.settings.blind_index_key, citizen, code)
        return self._view(citizen)

    @rpc
    def verify_real_name(self, partner_id, citizen_id, sealed_name, sealed_id_number):
        """Match name and ID number against the population registry: level 2."""
        citizen = self._citizen(partner_id, citizen_id)  # an unknown citizen is 404 first
        name = check_name(self._unseal(sealed_name, "name"))
        id_number = normalise(self._unseal(sealed_id_number, "id_number"))
        real_name.verify(self.db, self.registry, self.cipher, citizen, name, id_number,
                         now=self.clock())
        return self._view(citizen)

    @rpc
    def issue_assertion(self, partner_id, citizen_id, audience):
        """A short-lived signed statement of who the citizen is and how well proven."""
        citizen = self._citizen(partner_id, citizen_id)
        token = sign(self.assertion_keys.keys, citizen.id, citizen.assurance_level, audience,
                     self.assertion_keys.lifetime)
        return {"token": token, "token_type": "JWT", "assurance_level": citizen.assurance_level,
                "expires_in": self.assertion_keys.lifetime}

    @rpc
    def grant_consent(self, partner_id, citizen_id, attributes, purpose):
        attributes, purpose = check_request(attributes, purpose)
        return access.grant(self.db, self._citizen(partner_id, citizen_id), partner_id,
                            attributes, purpose)

    @rpc
    def revoke_consent(self, partner_id, citizen_id, consent_id):
        access.revoke(self.db, self._citizen(partner_id, citizen_id), partner_id, consent_id)

    @rpc
    def list_consents(self, partner_id, citizen_id):
        citizen = self._citizen(partner_id, citizen_id)
        with self.db.read() as session:
            return [access.consent_view(c)
                    for c in repository.active_consents(session, citizen.id, partner_id)]

    @rpc
    def read_attributes(self, partner_id, citizen_id, attributes, purpose):
        """Verified attributes in the clear, for a consented purpose; sealed for the trip.

        The read is in the access log before any value leaves.
        """
        attributes, purpose = check_request(attributes, purpose)
        citizen = self._citizen(partner_id, citizen_id)
        access.record_read(self.db, citizen, partner_id, attributes, purpose)
        stored = {"name": (citizen.name_sealed, NAME), "phone": (citizen.phone_sealed, PHONE),
                  "id_number": (citizen.id_number_sealed, ID_NUMBER)}
        values = {}
        for attribute in attributes:
            sealed, context = stored[attribute]
            values[attribute] = (self.cipher.seal(self.cipher.open(sealed, context),
                                                  transit(attribute)) if sealed else None)
        return {"purpose": purpose, "attributes": values}

    @rpc
    def access_log(self, partner_id, citizen_id):
        return access.log_view(self.db, self._citizen(partner_id, citizen_id))

    @rpc
    def start_face_verification(self, partner_id, citizen_id):
        return faces.start(self.db, self.face, self._citizen(partner_id, citizen_id))

    @rpc
    def get_face_verification(self, partner_id, citizen_id, verification_id):
        return faces.check(self.db, self.face, self.cipher,
                           self._citizen(partner_id, citizen_id), verification_id)

    @rpc
    def get_citizen(self, partner_id, citizen_id):
        return self._view(self._citizen(partner_id, citizen_id))

    @property
    def codes(self) -> repository.PhoneCodes:
        return repository.PhoneCodes(self.redis)

    def _unseal(self, sealed: str, field: str) -> str:
        """A personal value another service sealed for the trip (chassis.crypto.transit)."""
        try:
            return self.cipher.open(sealed, transit(field))
        except Exception:  # noqa: BLE001 - any failure: the caller broke the contract
            raise InvalidInput(f"{field} must be sealed for transit", field=field) from None

    def _citizen(self, partner_id: str, citizen_id: str) -> Citizen:
        with self.db.read() as session:
            citizen = repository.citizen_of_partner(session, partner_id, citizen_id)
        if citizen is None:
            raise NotFound("no such citizen", field="citizen_id", code="citizen_not_found")
        return citizen

    def _new_citizen(self, registration: Registration) -> NewCitizen:
        return NewCitizen(
            id=new_citizen_id(),
            partner_id=registration.partner_id,
            partner_user_id=registration.partner_user_id,
            phone_sealed=self.cipher.seal(registration.phone, PHONE),
            phone_index=self.cipher.blind_index(registration.phone, PHONE),
            locale=registration.locale,
            created_at=self.clock(),
        )

    def _view(self, citizen: Citizen | NewCitizen, created: bool | None = None,
              phone: str | None = None) -> dict:
        """The masked profile; `phone` saves a decryption when the caller has it."""
        view = {
            "citizen_id": citizen.id,
            "partner_user_id": citizen.partner_user_id,
            "phone": mask_phone(phone or self.cipher.open(citizen.phone_sealed, PHONE)),
            "name": (mask_name(self.cipher.open(citizen.name_sealed, NAME))
                     if citizen.name_sealed else None),
            "id_number": (mask_id_number(self.cipher.open(citizen.id_number_sealed, ID_NUMBER))
                          if citizen.id_number_sealed else None),
            "locale": citizen.locale,
            "assurance_level": citizen.assurance_level,
            "created_at": iso_utc(citizen.created_at),
        }
        if created is not None:
            view["created"] = created
        return view
