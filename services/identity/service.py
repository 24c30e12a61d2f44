import time

from sqlalchemy.exc import IntegrityError

from chassis.crypto import Cipher, mask_phone
from chassis.db import Database, SettingsProvider
from chassis.messaging_tables import utcnow
from chassis.metrics import Instrumentation
from chassis.redis_client import Redis
from chassis.rpc import ServiceRpc, rpc
from contracts.errors import InvalidInput, NotFound
from contracts.events import CitizenPhoneVerified, CitizenRegistered, CitizenVerified
from services.identity import repository
from services.identity.assurance import raise_to
from services.identity.domain import Registration, new_citizen_id
from services.identity.models import Citizen, Inbox, Outbox
from services.identity.phone_codes import (
    LIFETIME_SECONDS,
    PendingCode,
    check_format,
    code_hash,
    new_code,
)

PHONE = "citizen.phone"  # the encryption context of the phone column


class IdentityService:
    name = "identity"

    db = Database(Outbox, Inbox)
    cipher = Cipher()
    redis = Redis()
    notify = ServiceRpc("notify")
    settings = SettingsProvider()
    instrumentation = Instrumentation()

    @rpc
    def ping(self):
        return "pong"

    @rpc
    def register_citizen(self, partner_id, partner_user_id, phone, locale):
        """Register a partner's user; the same partner_user_id again returns the same citizen."""
        registration = Registration(partner_id, partner_user_id, phone, locale)
        try:
            # Insert first: a new user is the common case, and the unique
            # constraint (not a read before the write) decides who was first.
            with self.db.transaction() as session:
                citizen = self._new_citizen(registration)
                repository.add_citizen(session, citizen)
                self.db.publish(CitizenRegistered.TYPE, CitizenRegistered(
                    citizen_id=citizen.id, partner_id=partner_id, locale=citizen.locale,
                ).model_dump(), citizen_id=citizen.id)
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
        citizen = self._citizen(partner_id, citizen_id)
        raise_to(citizen.assurance_level, 1)  # refuses a phone already confirmed
        code = new_code()
        self.codes.put(citizen_id, PendingCode(self._digest(citizen_id, code),
                                               time.time() + LIFETIME_SECONDS))
        self.notify.send_sms(self.cipher.open(citizen.phone_sealed, PHONE), "phone_code",
                             citizen.locale, {"code": code})
        return {"status": "sent", "expires_in": LIFETIME_SECONDS}

    @rpc
    def confirm_phone(self, partner_id, citizen_id, code):
        check_format(code)
        citizen = self._citizen(partner_id, citizen_id)
        level = raise_to(citizen.assurance_level, 1)
        pending = self.codes.take_attempt(citizen_id)
        if pending is None:
            raise InvalidInput("no code is pending: ask for a new one", field="code",
                               code="code_expired")
        try:
            wrong = pending.attempt(self._digest(citizen_id, code), time.time())
        except InvalidInput:
            self.codes.discard(citizen_id)  # expired or burned
            raise
        if wrong is not None:
            raise InvalidInput(f"the code is wrong; {wrong.tries_left} tries left",
                               field="code", code="code_invalid")
        self.codes.discard(citizen_id)
        with self.db.transaction() as session:
            repository.set_level(session, citizen_id, level)
            self.db.publish(CitizenPhoneVerified.TYPE, CitizenPhoneVerified(
                citizen_id=citizen_id, partner_id=partner_id).model_dump(),
                citizen_id=citizen_id)
            self.db.publish(CitizenVerified.TYPE, CitizenVerified(
                citizen_id=citizen_id, partner_id=partner_id, level=level,
                locale=citizen.locale).model_dump(), citizen_id=citizen_id)
        citizen.assurance_level = level
        return self._view(citizen)

    @rpc
    def get_citizen(self, partner_id, citizen_id):
        return self._view(self._citizen(partner_id, citizen_id))

    @property
    def codes(self) -> repository.PhoneCodes:
        return repository.PhoneCodes(self.redis)

    def _digest(self, citizen_id: str, code: str) -> str:
        return code_hash(self.settings.blind_index_key, citizen_id, code)

    def _citizen(self, partner_id: str, citizen_id: str) -> Citizen:
        with self.db.read() as session:
            citizen = repository.citizen_of_partner(session, partner_id, citizen_id)
        if citizen is None:
            raise NotFound("no such citizen", field="citizen_id", code="citizen_not_found")
        return citizen

    def _new_citizen(self, registration: Registration) -> Citizen:
        return Citizen(
            id=new_citizen_id(),
            partner_id=registration.partner_id,
            partner_user_id=registration.partner_user_id,
            phone_sealed=self.cipher.seal(registration.phone, PHONE),
            phone_index=self.cipher.blind_index(registration.phone, PHONE),
            locale=registration.locale,
            assurance_level=0,
            created_at=utcnow(),
        )

    def _view(self, citizen: Citizen, created: bool | None = None,
              phone: str | None = None) -> dict:
        """The masked profile; `phone` saves a decryption when the caller has it."""
        view = {
            "citizen_id": citizen.id,
            "partner_user_id": citizen.partner_user_id,
            "phone": mask_phone(phone or self.cipher.open(citizen.phone_sealed, PHONE)),
            "locale": citizen.locale,
            "assurance_level": citizen.assurance_level,
            "created_at": citizen.created_at.isoformat(),
        }
        if created is not None:
            view["created"] = created
        return view
