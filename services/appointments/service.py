
from chassis.db import Database
from chassis.metrics import Instrumentation
from chassis.rpc import rpc
from services.appointments import repository
from services.appointments.domain import check_kind, institution_view
from services.appointments.models import Inbox, Outbox


class AppointmentsService:
    name = "appointments"

    db = Database(Outbox, Inbox)
    instrumentation = Instrumentation()

    @rpc
    def ping(self):
        return "pong"

    @rpc
    def list_institutions(self, kind=None):
        check_kind(kind)
        with self.db.read() as session:
            return [institution_view(i) for i in repository.institutions(session, kind)]
