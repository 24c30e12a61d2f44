"""Random interleavings of what can happen to payment orders (Hypothesis, stateful):
the provider's notifications duplicated, reordered and late, the janitor's queries and
closes, the agency down and up, refunds asked for. After every step the ledger
balances, no order is credited twice, an order never moves backwards, and what was
refunded never exceeds what was paid; at the end every order is terminal.

Run on a SQLite file (the rules under test are the use cases', which the other
integration tests run on PostgreSQL too)."""

import tempfile
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule
from sqlalchemy import func, select

from chassis.db import StandaloneDatabase
from chassis.migrations import upgrade
from contracts.errors import CityHubError
from services.payments import repository
from services.payments.domain import orders
from services.payments.models import LedgerEntry, Outbox, Payment, Transition
from services.payments.seed import seed
from services.payments.use_cases import ordering, refunds, settlement, upkeep
from tests.integration.test_payment_settlement import TERMS, Agencies, Provider

pytestmark = pytest.mark.integration

START = datetime(2026, 11, 25, 2, 0, tzinfo=UTC)
ORDER = {s: n for n, s in enumerate((
    orders.AWAITING_PAYMENT, orders.SUCCEEDED, orders.AGENCY_CONFIRMED,
    orders.PARTIALLY_REFUNDED, orders.REFUNDED))}
TEMPLATE = Path(tempfile.mkdtemp(prefix="payments-hypothesis-")) / "template.db"


def migrated_copy() -> str:
    """A fresh migrated and seeded database per example (migrating once, copying after)."""
    if not TEMPLATE.exists():
        upgrade("services.payments", f"sqlite:///{TEMPLATE}")
        database = StandaloneDatabase("payments", f"sqlite:///{TEMPLATE}", Outbox)
        with database.sessionmaker.begin() as session:
            seed(session)
        database.close()
    copy = TEMPLATE.with_name(f"{uuid.uuid4().hex}.db")
    copy.write_bytes(TEMPLATE.read_bytes())
    return f"sqlite:///{copy}"


class PaymentsUnderInterleavings(RuleBasedStateMachine):
    def __init__(self):
        super().__init__()
        self.database = StandaloneDatabase("payments", migrated_copy(), Outbox)
        self.uow = self.database.unit_of_work()
        self.provider, self.agencies = Provider(), Agencies()
        self.now = START
        self.ids: list[str] = []
        self.said: list[tuple[str, str]] = []  # notifications the provider sent, to replay
        self.seen: dict[str, int] = {}  # each order's furthest state so far

    def teardown(self):
        self.database.close()

    @rule()
    def order(self):
        made, _ = ordering.create(self.uow, None, self.provider, TERMS, "c-1", "acme", 2,
                                  uuid.uuid4().hex, {"fee_code": "hospital-registration"},
                                  self.now)
        self.ids.append(made["payment_id"])

    @precondition(lambda self: self.ids)
    @rule(pick=st.integers(0, 99), how=st.sampled_from(["TRADE_SUCCESS", "PAY_FAILED"]),
          told=st.booleans())
    def citizen_at_the_cashier(self, pick, how, told):
        payment_id = self.ids[pick % len(self.ids)]
        trade = self.provider.trades[payment_id]
        if trade.status not in ("WAIT_BUYER_PAY", "TRADE_CLOSED"):
            return
        if how == "TRADE_SUCCESS":
            self.provider.paid(payment_id, self.now)  # on a closed trade: a late payment
        else:
            self.provider.trades[payment_id] = type(trade)(
                trade.out_trade_no, trade.trade_no, "PAY_FAILED", trade.amount_cents, None)
        self.said.append((payment_id, how))
        if told:  # else the notification was lost
            self._tell(payment_id, how)

    @precondition(lambda self: self.said)
    @rule(pick=st.integers(0, 99))
    def a_notification_again(self, pick):
        """A duplicate, or one that comes late and out of order."""
        self._tell(*self.said[pick % len(self.said)])

    @rule(minutes=st.integers(1, 20))
    def time_passes_and_the_janitor_works(self, minutes):
        self.now += timedelta(minutes=minutes)
        upkeep.janitor_round(self.uow, self.provider, TERMS, self.now)
        upkeep.confirm_round(self.uow, self.agencies, TERMS, self.now)
        upkeep.refund_round(self.uow, _Refunder(self.provider), TERMS, self.now)

    @rule(up=st.booleans())
    def the_agency_goes(self, up):
        self.agencies.down = not up

    @precondition(lambda self: self.ids)
    @rule(pick=st.integers(0, 99), share=st.integers(1, 100), stale=st.booleans())
    def ops_refund(self, pick, share, stale):
        payment_id = self.ids[pick % len(self.ids)]
        with self.uow.read() as session:
            refundable = refunds.refundable_now(session,
                                                repository.payment(session, payment_id))
        amount = max(1, refundable * share // 100)
        try:
            refunds.request(self.uow, payment_id, amount, refundable + (1 if stale else 0),
                            uuid.uuid4().hex, "ops", "ops", self.now)
        except CityHubError:
            pass  # refused (unpaid, stale): it must change nothing, which the invariants check

    def _tell(self, payment_id, how):
        state = orders.SUCCEEDED if how == "TRADE_SUCCESS" else orders.FAILED
        settlement.apply(self.uow, TERMS, payment_id, state, 1000, self.now,
                         "provider_notification", self.now)

    @invariant()
    def the_ledger_balances_and_nothing_is_credited_twice(self):
        with self.uow.read() as session:
            assert repository.ledger_total(session) == 0
            assert repository.unbalanced_movements(session) == []
            paid = session.execute(select(LedgerEntry.payment_id, func.count()).where(
                LedgerEntry.movement.like("%:paid")).group_by(LedgerEntry.payment_id)).all()
            assert all(n == 2 for _, n in paid)

    @invariant()
    def orders_only_move_forward_and_refund_no_more_than_was_paid(self):
        with self.uow.read() as session:
            for payment in session.scalars(select(Payment)):
                assert payment.refunded_cents <= payment.amount_cents
                if payment.status in ORDER:
                    assert ORDER[payment.status] >= self.seen.get(payment.id, 0)
                    self.seen[payment.id] = ORDER[payment.status]
                history = list(session.scalars(select(Transition).where(
                    Transition.payment_id == payment.id).order_by(Transition.id)))
                assert history[-1].to_state == payment.status


class _Refunder:
    """The provider, paying back every refund it is sent."""

    def __init__(self, provider):
        self.provider = provider

    def refund(self, out_trade_no, request_no, amount):
        return None


PaymentsUnderInterleavings.TestCase.settings = settings(
    max_examples=25, stateful_step_count=25, deadline=None,
    suppress_health_check=[HealthCheck.too_slow])
test_payment_orders_under_random_interleavings = PaymentsUnderInterleavings.TestCase


def test_every_order_ends_once_the_provider_and_the_agency_answer():
    """The end of any interleaving: with time, an answering provider and an agency
    that is up, every order is terminal and every paid one confirmed or refunded."""
    machine = PaymentsUnderInterleavings()
    try:
        for _ in range(5):
            machine.order()
        machine.citizen_at_the_cashier(0, "TRADE_SUCCESS", told=False)
        machine.citizen_at_the_cashier(1, "PAY_FAILED", told=True)
        machine.the_agency_goes(up=True)
        for _ in range(6):
            machine.time_passes_and_the_janitor_works(10)
        with machine.uow.read() as session:
            states = [repository.payment(session, i).status for i in machine.ids]
        assert all(orders.is_terminal(s) for s in states), states
        assert states.count(orders.AGENCY_CONFIRMED) == 1
        assert states.count(orders.FAILED) == 1 and states.count(orders.EXPIRED) == 3
    finally:
        machine.teardown()


def test_the_invariants_catch_money_booked_on_one_side_only():
    # Positive control: a defect the machine must notice.
    machine = PaymentsUnderInterleavings()
    try:
        machine.order()
        with machine.uow.transaction() as session:
            session.add(LedgerEntry(movement=f"{machine.ids[0]}:paid", payment_id=machine.ids[0],
                                    account="citizen", amount_cents=-1000, at=START))
        with pytest.raises(AssertionError):
            machine.the_ledger_balances_and_nothing_is_credited_twice()
    finally:
        machine.teardown()
