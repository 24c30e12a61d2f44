from sqlalchemy.exc import IntegrityError

from chassis.crypto import Cipher, mask_phone
from chassis.db import Database
from chassis.messaging_tables import utcnow
from chassis.metrics import Instrumentation
from chassis.rpc import rpc
from contracts.errors import NotFound
from contracts.events import CitizenRegistered
from services.identity import repository
from services.identity.domain import Registration, new_citizen_id
from services.identity.models import Citizen, Inbox, Outbox

PHONE = "citizen.phone"  # the encryption context of the phone column


class IdentityService:
    name = "identity"

    db = Database(Outbox, Inbox)
    cipher = Cipher()
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
    def get_citizen(self, partner_id, citizen_id):
        with self.db.read() as session:
            citizen = repository.citizen_of_partner(session, partner_id, citizen_id)
            if citizen is None:
                raise NotFound("no such citizen", field="citizen_id", code="citizen_not_found")
            return self._view(citizen)

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
