import uuid

from chassis.assertions import AssertionVerifier
from chassis.db import Database
from chassis.metrics import Instrumentation
from chassis.rpc import rpc
from contracts.assurance import require
from contracts.errors import NotFound
from services.payments import repository
from services.payments.domain import AWAITING_PAYMENT, order_terms
from services.payments.models import Payment
from services.payments.views import fee_view, payment_view


class PaymentsService:
    name = "payments"

    db = Database()  # publishes nothing yet: no outbox relay
    assertions = AssertionVerifier()
    instrumentation = Instrumentation()

    @rpc
    def ping(self):
        return "pong"

    @rpc
    def list_fees(self):
        with self.db.read() as session:
            return [fee_view(fee) for fee in repository.all_fees(session)]

    @rpc
    def create_payment(self, citizen_id, assertion, fee_code, amount_cents=None,
                       reference=None):
        """An order to pay a fee, for a citizen whose asserted level the fee allows."""
        level = self.assertions.level_of(assertion, citizen_id, audience=self.name)
        with self.db.transaction() as session:
            fee = repository.fee(session, fee_code)
            if fee is None:
                raise NotFound("no such fee in the catalogue", field="fee_code",
                               code="fee_not_found")
            require(level, fee.required_assurance_level)
            amount_cents, reference = order_terms(fee, amount_cents, reference)
            payment = Payment(id=str(uuid.uuid4()), citizen_id=citizen_id, fee_code=fee.code,
                              amount_cents=amount_cents, currency=fee.currency,
                              reference=reference, status=AWAITING_PAYMENT)
            session.add(payment)
            session.flush()
            return payment_view(payment)

    @rpc
    def list_payments(self, citizen_id):
        with self.db.read() as session:
            return [payment_view(p) for p in repository.payments_of(session, citizen_id)]
