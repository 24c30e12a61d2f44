"""After a trade closes unpaid, the janitor goes on asking the provider about it: money
that lands on it all the same (every notification of it lost) is found, booked once and
refunded in full, on SQLite and PostgreSQL. The provider is a fake with a clock the test
moves (tests/integration/test_payment_settlement.py)."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from services.payments import repository
from services.payments.models import Refund
from services.payments.use_cases import settlement, upkeep
from tests.fixtures.servers import seeded_payments
from tests.integration.test_payment_settlement import (
    START,
    TERMS,
    Provider,
    new_order,
    order,
    paid_entries,
)

pytestmark = pytest.mark.integration


@pytest.fixture(params=["sqlite", "postgresql"])
def uow(request, tmp_path):
    yield from seeded_payments(request, tmp_path)

CLOSED_AT = START + timedelta(minutes=16)  # the order's 15 minutes are over


def closed_order(uow, provider) -> str:
    payment_id = new_order(uow, provider)
    upkeep.janitor_round(uow, provider, TERMS, CLOSED_AT)
    assert order(uow, payment_id).status == "expired"
    return payment_id


def refunds_of(uow, payment_id) -> list[tuple[int, str]]:
    with uow.read() as session:
        return [(r.amount_cents, r.reason) for r in session.scalars(
            select(Refund).where(Refund.payment_id == payment_id))]


def watch_until_quiet(uow, provider, start, hours: float):
    """Run the watch every minute from `start` for `hours`; how many times it asked."""
    asked = 0
    for minute in range(int(hours * 60)):
        asked += upkeep.watch_round(uow, provider, TERMS, start + timedelta(minutes=minute))
    return asked


def test_money_that_lands_after_the_close_is_found_booked_once_and_refunded_in_full(uow):
    provider = Provider()
    payment_id = closed_order(uow, provider)
    assert order(uow, payment_id).watch_until == CLOSED_AT + TERMS.watch_for
    provider.paid(payment_id, CLOSED_AT + timedelta(minutes=30))  # no notification comes
    watch_until_quiet(uow, provider, CLOSED_AT, hours=2)
    found = order(uow, payment_id)
    assert (found.status, found.watch_until, found.paid_at) == (
        "expired", None, CLOSED_AT + timedelta(minutes=30))
    assert paid_entries(uow, payment_id) == 2  # booked once: paid in, owed back
    assert refunds_of(uow, payment_id) == [(1000, "paid_after_close")]
    assert watch_until_quiet(uow, provider, CLOSED_AT + timedelta(hours=2), hours=1) == 0


def test_a_closed_trade_is_asked_about_less_and_less_often_until_its_watch_is_over(uow):
    provider = Provider()
    payment_id = closed_order(uow, provider)
    asked_first_hour = watch_until_quiet(uow, provider, CLOSED_AT, hours=1)
    asked_in_all = asked_first_hour + watch_until_quiet(
        uow, provider, CLOSED_AT + timedelta(hours=1), hours=25)
    assert 3 <= asked_first_hour <= 6  # 2, 4, 8, 16, 32 minutes apart
    assert asked_in_all < 40  # then hourly, for 25 hours
    assert order(uow, payment_id).watch_until is None  # unpaid after the window: final
    assert refunds_of(uow, payment_id) == [] and paid_entries(uow, payment_id) == 0


def test_a_provider_that_cannot_answer_never_ends_a_watch(uow):
    provider = Provider()
    payment_id = closed_order(uow, provider)
    provider.silent = True
    after_the_window = CLOSED_AT + TERMS.watch_for + timedelta(minutes=1)
    upkeep.watch_round(uow, provider, TERMS, after_the_window)
    assert order(uow, payment_id).watch_until is not None  # unknown is not "unpaid"
    provider.silent = False
    provider.paid(payment_id, after_the_window)
    watch_until_quiet(uow, provider, after_the_window, hours=2)
    assert refunds_of(uow, payment_id) == [(1000, "paid_after_close")]


def test_a_trade_the_provider_closed_itself_is_watched_too(uow):
    provider = Provider()
    payment_id = new_order(uow, provider)
    assert settlement.apply(uow, TERMS, payment_id, "closed", 1000, START,
                            "provider_notification", START) == "applied"
    assert order(uow, payment_id).watch_until == START + TERMS.watch_for


def test_a_late_payment_the_provider_tells_of_ends_the_watch(uow):
    provider = Provider()
    payment_id = closed_order(uow, provider)
    settlement.apply(uow, TERMS, payment_id, "succeeded", 1000, CLOSED_AT,
                     "provider_notification", CLOSED_AT)
    assert order(uow, payment_id).watch_until is None
    provider.paid(payment_id, CLOSED_AT)
    assert watch_until_quiet(uow, provider, CLOSED_AT, hours=1) == 0
    assert refunds_of(uow, payment_id) == [(1000, "paid_after_close")]


def test_a_payment_on_a_trade_whose_close_failed_pays_the_order(uow):
    provider = Provider()
    payment_id = new_order(uow, provider)
    provider.silent = True
    upkeep.janitor_round(uow, provider, TERMS, CLOSED_AT)  # the close times out
    provider.silent = False
    provider.paid(payment_id, CLOSED_AT + timedelta(seconds=2))  # the trade was still open
    upkeep.janitor_round(uow, provider, TERMS, CLOSED_AT + timedelta(minutes=1))
    paid = order(uow, payment_id)
    assert (paid.status, paid.watch_until) == ("succeeded", None)
    assert refunds_of(uow, payment_id) == []
    with uow.read() as session:
        assert repository.history(session, payment_id)[-1].cause == "provider_query"
