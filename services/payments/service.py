
from chassis.db import Database
from chassis.metrics import Instrumentation
from chassis.rpc import rpc
from services.payments import repository
from services.payments.domain import fee_view
from services.payments.models import Inbox, Outbox


class PaymentsService:
    name = "payments"

    db = Database(Outbox, Inbox)
    instrumentation = Instrumentation()

    @rpc
    def ping(self):
        return "pong"

    @rpc
    def list_fees(self):
        with self.db.read() as session:
            return [fee_view(fee) for fee in repository.all_fees(session)]
