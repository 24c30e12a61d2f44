
from chassis.crypto import Cipher, transit
from chassis.db import Database, FromSettings
from chassis.events import reliable_handler
from chassis.metrics import Instrumentation
from chassis.rpc import rpc
from contracts.errors import InvalidInput
from contracts.events import (
    CitizenRegistered,
    CitizenVerificationFailed,
    CitizenVerified,
    EventEnvelope,
)
from services.notify import repository
from services.notify.adapters import HttpSms
from services.notify.domain import notification_view, render, render_sms
from services.notify.models import Inbox, Outbox

MAX_PAGE = 100


class NotifyService:
    name = "notify"

    db = Database(Outbox, Inbox)
    instrumentation = Instrumentation()
    sms = FromSettings(lambda settings: HttpSms(settings.sms_url))
    cipher = Cipher()

    @rpc
    def ping(self):
        return "pong"

    @reliable_handler(CitizenRegistered.SOURCE, CitizenRegistered.TYPE)
    def on_citizen_registered(self, body):
        envelope = EventEnvelope.model_validate(body)
        event = CitizenRegistered.model_validate(envelope.payload)
        with self.db.transaction() as session:
            if not self.db.claim(session, envelope.event_id):
                return  # a duplicate delivery: already applied
            repository.add(session, render("welcome", event.citizen_id, event.locale,
                                           envelope.event_id))

    @reliable_handler(CitizenVerified.SOURCE, CitizenVerified.TYPE)
    def on_citizen_verified(self, body):
        envelope = EventEnvelope.model_validate(body)
        event = CitizenVerified.model_validate(envelope.payload)
        with self.db.transaction() as session:
            if not self.db.claim(session, envelope.event_id):
                return
            repository.add(session, render("level_reached", event.citizen_id, event.locale,
                                           envelope.event_id, {"level": event.level}))

    @reliable_handler(CitizenVerificationFailed.SOURCE, CitizenVerificationFailed.TYPE)
    def on_verification_failed(self, body):
        envelope = EventEnvelope.model_validate(body)
        event = CitizenVerificationFailed.model_validate(envelope.payload)
        with self.db.transaction() as session:
            if not self.db.claim(session, envelope.event_id) or not event.locked:
                return  # only a lockout is worth telling the citizen about
            repository.add(session, render(f"{event.check}_locked", event.citizen_id,
                                           event.locale, envelope.event_id))

    @rpc
    def send_sms(self, sealed_phone, kind, locale, values):
        """Send a text message now (a command, so RPC): the caller needs to know it went.

        The phone arrives sealed for transit (chassis.crypto.transit).
        """
        phone = self.cipher.open(sealed_phone, transit("phone"))
        return {"message_id": self.sms.send(phone, render_sms(kind, locale, values))}

    @rpc
    def list_notifications(self, citizen_id, limit=50):
        if not isinstance(limit, int) or not 1 <= limit <= MAX_PAGE:
            raise InvalidInput(f"limit must be between 1 and {MAX_PAGE}", field="limit")
        with self.db.read() as session:
            return [notification_view(n) for n in repository.inbox(session, citizen_id, limit)]
