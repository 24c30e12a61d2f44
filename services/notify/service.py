
from chassis.crypto import Cipher, transit
from chassis.db import Database
from chassis.events import reliable_handler
from chassis.metrics import Instrumentation
from chassis.rpc import rpc
from chassis.settings import FromSettings
from contracts.errors import InvalidInput
from contracts.events import (
    CitizenRegistered,
    CitizenVerificationFailed,
    CitizenVerified,
    open_envelope,
)
from services.notify import repository
from services.notify.adapters import HttpSms
from services.notify.domain import render, render_sms
from services.notify.models import Inbox
from services.notify.views import notification_view

MAX_PAGE = 100


class NotifyService:
    name = "notify"

    db = Database(inbox_model=Inbox)  # consumes events, publishes none: no relay
    instrumentation = Instrumentation()
    sms = FromSettings(lambda settings: HttpSms(settings.sms_url))
    cipher = Cipher()

    @rpc
    def ping(self):
        return "pong"

    @reliable_handler(CitizenRegistered)
    def on_citizen_registered(self, body):
        envelope, event = open_envelope(body, CitizenRegistered)
        self._tell(envelope, event, "welcome")

    @reliable_handler(CitizenVerified)
    def on_citizen_verified(self, body):
        envelope, event = open_envelope(body, CitizenVerified)
        self._tell(envelope, event, "level_reached", {"level": event.level})

    @reliable_handler(CitizenVerificationFailed)
    def on_verification_failed(self, body):
        envelope, event = open_envelope(body, CitizenVerificationFailed)
        # Only a lockout is worth telling the citizen about.
        self._tell(envelope, event, f"{event.check}_locked" if event.locked else None)

    @rpc
    def send_sms(self, sealed_phone, kind, locale, values):
        """Send a text message now (a command, so RPC): the caller needs to know it went.

        The phone arrives sealed for transit (chassis.crypto.transit).
        """
        phone = self.cipher.open(sealed_phone, transit("phone"))
        return {"message_id": self.sms.send(phone, render_sms(kind, locale, values))}

    def _tell(self, envelope, event, kind: str | None, values: dict | None = None):
        """Put a message in the citizen's inbox, once per event, however often delivered."""
        with self.db.core_transaction() as connection:
            if not self.db.claim(connection, envelope.event_id) or kind is None:
                return  # a duplicate delivery, or nothing to tell
            repository.add(connection, render(kind, event.citizen_id, event.locale,
                                           envelope.event_id, values))

    @rpc
    def list_notifications(self, citizen_id, limit=50):
        if not isinstance(limit, int) or not 1 <= limit <= MAX_PAGE:
            raise InvalidInput(f"limit must be between 1 and {MAX_PAGE}", field="limit")
        with self.db.core_read() as connection:
            return [notification_view(n)
                    for n in repository.inbox(connection, citizen_id, limit)]
