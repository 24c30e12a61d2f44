
from chassis.db import Database
from chassis.events import reliable_handler
from chassis.metrics import Instrumentation
from chassis.rpc import rpc
from contracts.errors import InvalidInput
from contracts.events import CitizenRegistered, EventEnvelope
from services.notify import repository
from services.notify.domain import notification_view, render
from services.notify.models import Inbox, Outbox

MAX_PAGE = 100


class NotifyService:
    name = "notify"

    db = Database(Outbox, Inbox)
    instrumentation = Instrumentation()

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

    @rpc
    def list_notifications(self, citizen_id, limit=50):
        if not isinstance(limit, int) or not 1 <= limit <= MAX_PAGE:
            raise InvalidInput(f"limit must be between 1 and {MAX_PAGE}", field="limit")
        with self.db.read() as session:
            return [notification_view(n) for n in repository.inbox(session, citizen_id, limit)]
