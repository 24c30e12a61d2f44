"""Settling orders on the real databases, SQLite and PostgreSQL: the provider's word
applied once however often and however concurrently it comes, the janitor's
schedule and its "unknown is not failed", agency write-offs retried until taken.
The provider and the agency are fakes with a clock the test moves."""

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import eventlet
import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from services.payments import repository
from services.payments.adapters import AgencyUnavailable, ProviderUnavailable, Trade
from services.payments.models import LedgerEntry
from services.payments.use_cases import ordering, settlement, upkeep
from tests.fixtures.servers import seeded_payments

pytestmark = pytest.mark.integration

START = datetime(2026, 11, 25, 2, 0, tzinfo=UTC)


class Provider:
    """The provider: knows each trade's state, or does not answer when told."""

    def __init__(self):
        self.trades, self.silent, self.closed = {}, False, []

    def create_trade(self, out_trade_no, amount, subject, notify_url, expires_at):
        self.trades[out_trade_no] = Trade(out_trade_no, f"T-{out_trade_no}", "WAIT_BUYER_PAY",
                                          amount, None)
        return f"T-{out_trade_no}", f"https://cashier.example/{out_trade_no}"

    def _answer(self, out_trade_no):
        if self.silent:
            raise ProviderUnavailable("timed out")
        return self.trades.get(out_trade_no)

    def query(self, out_trade_no):
        return self._answer(out_trade_no)

    def close(self, out_trade_no):
        trade = self._answer(out_trade_no)
        if trade is not None and trade.status == "WAIT_BUYER_PAY":
            trade = self.trades[out_trade_no] = Trade(trade.out_trade_no, trade.trade_no,
                                                      "TRADE_CLOSED", trade.amount_cents, None)
            self.closed.append(out_trade_no)
        return trade

    def paid(self, out_trade_no, at):
        trade = self.trades[out_trade_no]
        self.trades[out_trade_no] = Trade(trade.out_trade_no, trade.trade_no, "TRADE_SUCCESS",
                                          trade.amount_cents, at)


class Agencies:
    def __init__(self):
        self.down, self.written_off = True, []

    def write_off(self, agency, order_id, bill_number, amount):
        if self.down:
            raise AgencyUnavailable("503")
        self.written_off.append(order_id)
        return f"C-{order_id[:8]}"


TERMS = ordering.Terms(SimpleNamespace(
    payment_order_seconds=900, payment_first_query_seconds=120,
    payment_longest_query_wait_seconds=600, bill_fresh_seconds=900,
    payment_watch_after_close_seconds=90000, payment_longest_watch_wait_seconds=3600,
    work_lease_seconds=30,
    callback_url=lambda path: f"https://hub.example{path}"))


@pytest.fixture(params=["sqlite", "postgresql"])
def uow(request, tmp_path):
    yield from seeded_payments(request, tmp_path)


def new_order(uow, provider, key="key-00000001") -> str:
    made, _ = ordering.create(uow, None, provider, TERMS, "c-1", "acme", 2, key,
                              {"fee_code": "hospital-registration"}, START)
    return made["payment_id"]


def order(uow, payment_id):
    with uow.read() as session:
        return repository.payment(session, payment_id)


def paid_entries(uow, payment_id) -> int:
    with uow.read() as session:
        return session.scalar(select(func.count()).select_from(LedgerEntry).where(
            LedgerEntry.payment_id == payment_id))


def test_the_same_success_told_ten_times_at_once_is_booked_once(uow):
    provider = Provider()
    payment_id = new_order(uow, provider)

    def tell():
        while True:  # as the provider does: again until it hears "success"
            try:
                return settlement.apply(uow, TERMS, payment_id, "succeeded", 1000,
                                        START + timedelta(minutes=1), "provider_notification",
                                        START + timedelta(minutes=1))
            except OperationalError:
                eventlet.sleep(0.01)

    results = list(eventlet.GreenPool(10).imap(lambda _: tell(), range(10)))
    assert sorted(results) == ["applied"] + ["unchanged"] * 9
    assert order(uow, payment_id).status == "succeeded"
    assert paid_entries(uow, payment_id) == 2
    with uow.read() as session:
        assert repository.ledger_total(session) == 0
        assert [t.to_state for t in repository.history(session, payment_id)] == [
            "awaiting_payment", "succeeded"]


def test_an_amount_other_than_the_orders_is_refused_and_changes_nothing(uow):
    payment_id = new_order(uow, Provider())
    assert settlement.apply(uow, TERMS, payment_id, "succeeded", 999, START,
                            "provider_notification", START) == "amount_mismatch"
    assert order(uow, payment_id).status == "awaiting_payment"
    assert paid_entries(uow, payment_id) == 0


def test_the_janitor_waits_then_asks_and_a_silent_provider_fails_nothing(uow):
    provider = Provider()
    payment_id = new_order(uow, provider)
    upkeep.janitor_round(uow, provider, TERMS, START + timedelta(minutes=1))
    assert order(uow, payment_id).queries_made == 0  # not due yet
    provider.silent = True
    upkeep.janitor_round(uow, provider, TERMS, START + timedelta(minutes=2))
    asked = order(uow, payment_id)
    assert (asked.status, asked.queries_made) == ("awaiting_payment", 1)
    assert asked.next_check_at == START + timedelta(minutes=4)
    provider.silent = False
    provider.paid(payment_id, START + timedelta(minutes=3))
    upkeep.janitor_round(uow, provider, TERMS, START + timedelta(minutes=4))
    assert order(uow, payment_id).status == "succeeded"
    with uow.read() as session:
        assert repository.history(session, payment_id)[-1].cause == "provider_query"


def test_an_expired_order_is_closed_at_the_provider_before_it_is_expired(uow):
    provider = Provider()
    payment_id = new_order(uow, provider)
    later = START + timedelta(minutes=16)
    provider.silent = True
    upkeep.janitor_round(uow, provider, TERMS, later)
    assert order(uow, payment_id).status == "awaiting_payment"  # unknown: not expired
    provider.silent = False
    upkeep.janitor_round(uow, provider, TERMS, later + timedelta(minutes=1))
    assert provider.closed == [payment_id]
    assert order(uow, payment_id).status == "expired"


def test_a_payment_that_won_the_race_with_closing_is_kept_not_expired(uow):
    provider = Provider()
    payment_id = new_order(uow, provider)
    provider.paid(payment_id, START + timedelta(minutes=14))
    upkeep.janitor_round(uow, provider, TERMS, START + timedelta(minutes=16))
    assert provider.closed == [] and order(uow, payment_id).status == "succeeded"


def test_an_agency_down_is_asked_again_later_until_it_confirms(uow):
    provider, agencies = Provider(), Agencies()
    payment_id = new_order(uow, provider)
    settlement.apply(uow, TERMS, payment_id, "succeeded", 1000, START, "provider_notification",
                     START)
    for minute in range(3):
        upkeep.confirm_round(uow, agencies, TERMS, START + timedelta(minutes=minute))
    waiting = order(uow, payment_id)
    assert (waiting.status, waiting.confirm_attempts) == ("succeeded", 3)
    agencies.down = False
    upkeep.confirm_round(uow, agencies, TERMS, waiting.next_confirm_at)
    upkeep.confirm_round(uow, agencies, TERMS, waiting.next_confirm_at + timedelta(minutes=10))
    assert agencies.written_off == [payment_id]  # once, though asked twice
    assert order(uow, payment_id).status == "agency_confirmed"
