"""Identity's entrypoints: unseal what crossed the broker, call a use case, shape the answer.

The rules are in domain/, the use cases in use_cases/, all SQL in repository.py and
the answers' shapes in views.py.
"""

from sqlalchemy.exc import IntegrityError

from chassis.assertions import AssertionKeys, sign
from chassis.crypto import Cipher, transit
from chassis.db import Database
from chassis.metrics import Instrumentation
from chassis.redis_client import Redis
from chassis.rpc import ServiceRpc, rpc
from chassis.settings import FromSettings, SettingsProvider
from chassis.timestamps import Clock
from contracts import formats
from contracts.errors import InvalidInput, NotFound
from contracts.events import CitizenRegistered
from services.identity import repository
from services.identity.adapters import HttpFaceProvider, HttpRegistry
from services.identity.domain.citizens import (
    NewCitizen,
    Registration,
    check_name,
    mask_name,
    new_citizen_id,
)
from services.identity.domain.consent import check_request
from services.identity.domain.id_numbers import normalise
from services.identity.domain.phone_codes import check_format
from services.identity.models import EMAIL, ID_NUMBER, NAME, PHONE, Citizen, Inbox, Outbox
from services.identity.use_cases import (
    access,
    email_confirmation,
    faces,
    phone_confirmation,
    real_name,
)
from services.identity.views import access_log_view, citizen_view, consent_view, face_view


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
                    citizen_id=citizen.id, partner_id=partner_id, locale=citizen.locale))
            return citizen_view(self.cipher, citizen, registration.phone) | {"created": True}
        except IntegrityError:
            with self.uow.read() as stored:
                existing = stored.citizen_by_partner_user(partner_id, partner_user_id)
            if existing is None:
                raise  # some other constraint failed: not a repeat registration
            return citizen_view(self.cipher, existing) | {"created": False}

    @rpc
    def start_phone_verification(self, partner_id, citizen_id):
        """Text the citizen a fresh one-time code (any earlier code stops working)."""
        return phone_confirmation.send_code(self.codes, self._send_sms, self.cipher,
                                            self.settings.blind_index_key,
                                            self._citizen(partner_id, citizen_id), self.clock())

    @rpc
    def confirm_phone(self, partner_id, citizen_id, code):
        check_format(code)
        citizen = self._citizen(partner_id, citizen_id)
        phone_confirmation.confirm(self.uow, self.codes, self.settings.blind_index_key, citizen,
                                   code, self.clock())
        return citizen_view(self.cipher, citizen)

    @rpc
    def start_email_verification(self, partner_id, citizen_id, sealed_address):
        """Mail a one-time code to the address; it is the citizen's once confirmed."""
        citizen = self._citizen(partner_id, citizen_id)
        address = self._unseal(sealed_address, "email")
        if not formats.matches(formats.EMAIL, address) or len(address) > formats.EMAIL_MAX:
            raise InvalidInput("not an e-mail address", field="address")
        return email_confirmation.send_code(self.email_codes, self._send_email, self.cipher,
                                            self.settings.blind_index_key, citizen,
                                            address.lower(), self.clock())

    @rpc
    def confirm_email(self, partner_id, citizen_id, code):
        check_format(code)
        citizen = self._citizen(partner_id, citizen_id)
        email_confirmation.confirm(self.uow, self.email_codes, self.settings.blind_index_key,
                                   citizen, code, self.clock())
        return citizen_view(self.cipher, citizen)

    @rpc
    def email_for_notification(self, citizen_id):
        """The citizen's confirmed address, sealed for notify, which mails them (None
        without one); the read goes into their access log."""
        with self.uow.read() as stored:
            citizen = stored.citizen(citizen_id)
        if citizen is None or citizen.email_sealed is None:
            return None
        access.append_read(self.uow, citizen, "service:notify", ["email"], "notification",
                           self.clock())
        return self.cipher.seal(self.cipher.open(citizen.email_sealed, EMAIL),
                                transit("email"))

    @rpc
    def verify_real_name(self, partner_id, citizen_id, sealed_name, sealed_id_number):
        """Match name and ID number against the population registry: level 2."""
        citizen = self._citizen(partner_id, citizen_id)  # an unknown citizen is 404 first
        name = check_name(self._unseal(sealed_name, "name"))
        id_number = normalise(self._unseal(sealed_id_number, "id_number"))
        real_name.verify(self.uow, self.registry, self.cipher, citizen, name, id_number,
                         self.clock())
        return citizen_view(self.cipher, citizen)

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
        """{"consent": ..., "created": bool}: the same active consent again is that one."""
        attributes, purpose = check_request(attributes, purpose)
        consent, created = access.grant(self.uow, self._citizen(partner_id, citizen_id),
                                        partner_id, attributes, purpose, self.clock())
        return {"consent": consent_view(consent), "created": created}

    @rpc
    def revoke_consent(self, partner_id, citizen_id, consent_id):
        access.revoke(self.uow, self._citizen(partner_id, citizen_id), partner_id, consent_id,
                      self.clock())

    @rpc
    def list_consents(self, partner_id, citizen_id):
        citizen = self._citizen(partner_id, citizen_id)
        with self.uow.read() as stored:
            return [consent_view(c) for c in stored.active_consents(citizen.id, partner_id)]

    @rpc
    def read_attributes(self, partner_id, citizen_id, attributes, purpose):
        """Verified attributes in the clear, for a consented purpose; sealed for the trip.

        The read is in the access log before any value leaves.
        """
        attributes, purpose = check_request(attributes, purpose)
        citizen = self._citizen(partner_id, citizen_id)
        access.record_read(self.uow, citizen, partner_id, attributes, purpose, self.clock())
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
        return access_log_view(*access.access_log(self.uow,
                                                  self._citizen(partner_id, citizen_id)))

    @rpc
    def start_face_verification(self, partner_id, citizen_id):
        return face_view(*faces.start(self.uow, self.face,
                                      self._citizen(partner_id, citizen_id), self.clock()))

    @rpc
    def get_face_verification(self, partner_id, citizen_id, verification_id):
        return face_view(faces.check(self.uow, self.face, self.cipher,
                                     self._citizen(partner_id, citizen_id), verification_id,
                                     self.clock()))

    @rpc
    def phone_for_notification(self, citizen_id):
        """The citizen's confirmed phone, sealed for the trip to notify, which texts
        them (None before it is confirmed); the read goes into their access log."""
        with self.uow.read() as stored:
            citizen = stored.citizen(citizen_id)
        if citizen is None or citizen.assurance_level < 1:
            return None
        access.append_read(self.uow, citizen, "service:notify", ["phone"], "notification",
                           self.clock())
        return self.cipher.seal(self.cipher.open(citizen.phone_sealed, PHONE),
                                transit("phone"))

    @rpc
    def payer_on_receipt(self, citizen_id):
        """The citizen's name masked (张*) for a payment's e-receipt, or None before
        their real name is proven; the read goes into their access log."""
        with self.uow.read() as stored:
            citizen = stored.citizen(citizen_id)
        if citizen is None or citizen.name_sealed is None:
            return None
        access.append_read(self.uow, citizen, "service:payments", ["name"], "receipt",
                           self.clock())
        return mask_name(self.cipher.open(citizen.name_sealed, NAME))

    @rpc
    def get_citizen(self, partner_id, citizen_id):
        return citizen_view(self.cipher, self._citizen(partner_id, citizen_id))

    @rpc
    def overview(self, partner_id, citizen_id):
        """The citizen's overview of identity: the level reached, nothing to decrypt."""
        with self.db.core_read() as connection:
            found = repository.standing(connection, partner_id, citizen_id)
        if found is None:
            raise NotFound("no such citizen", field="citizen_id", code="citizen_not_found")
        return {"assurance_level": found.assurance_level, "locale": found.locale}

    @property
    def uow(self) -> repository.UnitOfWork:
        return repository.UnitOfWork(self.db)

    @property
    def codes(self) -> repository.PhoneCodes:
        return repository.PhoneCodes(self.redis)

    @property
    def email_codes(self) -> repository.EmailCodes:
        return repository.EmailCodes(self.redis)

    def _send_email(self, address: str, kind: str, locale: str, values: dict) -> None:
        """A mail through notify; the address crosses the broker sealed."""
        self.notify.send_email(self.cipher.seal(address, transit("email")), kind, locale,
                               values)

    def _send_sms(self, phone: str, kind: str, locale: str, values: dict) -> None:
        """A text through notify; the phone crosses the broker sealed."""
        self.notify.send_sms(self.cipher.seal(phone, transit("phone")), kind, locale, values)

    def _unseal(self, sealed: str, field: str) -> str:
        """A personal value another service sealed for the trip (chassis.crypto.transit)."""
        try:
            return self.cipher.open(sealed, transit(field))
        except Exception:  # noqa: BLE001 - any failure: the caller broke the contract
            raise InvalidInput(f"{field} must be sealed for transit", field=field) from None

    def _citizen(self, partner_id: str, citizen_id: str) -> Citizen:
        with self.uow.read() as stored:
            citizen = stored.citizen_of_partner(partner_id, citizen_id)
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
