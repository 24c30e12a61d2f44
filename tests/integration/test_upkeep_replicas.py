"""Two payments replicas' timers at the same orders at once, on PostgreSQL (replicas
need it): each order is asked about once and each write-off sent once, the replicas
sharing the work (chassis/claims.py). The fakes answer slowly, so that the two rounds
overlap as two processes' would."""

from collections import Counter
from datetime import timedelta

import eventlet
import pytest

from chassis.batches import at_once
from services.payments import repository
from services.payments.use_cases import settlement, upkeep
from tests.fixtures.servers import seeded_payments
from tests.integration.test_payment_settlement import (
    START,
    TERMS,
    Agencies,
    Provider,
    new_order,
)

pytestmark = pytest.mark.integration
ORDERS = 30


@pytest.fixture(params=["postgresql"])
def uow(request, tmp_path):
    yield from seeded_payments(request, tmp_path)


class SlowProvider(Provider):
    """Counts the janitor's questions about each order; answers after a moment."""

    def __init__(self):
        super().__init__()
        self.asked = Counter()

    def query(self, out_trade_no):
        self.asked[out_trade_no] += 1
        eventlet.sleep(0.01)
        return super().query(out_trade_no)


class SlowAgencies(Agencies):
    def __init__(self):
        super().__init__()
        self.down, self.sent = False, Counter()

    def write_off(self, agency, order_id, bill_number, amount):
        self.sent[order_id] += 1
        eventlet.sleep(0.01)
        return super().write_off(agency, order_id, bill_number, amount)


def orders(uow, provider) -> list[str]:
    return [new_order(uow, provider, key=f"key-{n:08d}") for n in range(ORDERS)]


def two_replicas(round_, *args) -> list[int]:
    """The same round run by two replicas at once: how many each did."""
    pool = eventlet.GreenPool(2)
    return list(pool.starmap(round_, [args, args]))


def test_two_replicas_ask_the_provider_about_each_open_order_once(uow):
    provider = SlowProvider()
    payment_ids = orders(uow, provider)
    two_replicas(upkeep.janitor_round, uow, provider, TERMS, START + timedelta(minutes=3),
                 at_once)
    assert set(provider.asked) == set(payment_ids)
    assert [pid for pid, n in provider.asked.items() if n != 1] == []


def test_two_replicas_send_each_write_off_once(uow):
    provider, agencies = Provider(), SlowAgencies()
    payment_ids = orders(uow, provider)
    for payment_id in payment_ids:
        settlement.apply(uow, TERMS, payment_id, "succeeded", 1000, START,
                         "provider_notification", START)
    two_replicas(upkeep.confirm_round, uow, agencies, TERMS, START + timedelta(minutes=1),
                 at_once)
    assert set(agencies.sent) == set(payment_ids)
    assert [pid for pid, n in agencies.sent.items() if n != 1] == []


def test_without_taking_each_order_two_replicas_ask_about_some_twice(uow, monkeypatch):
    """The positive control: the two rounds do overlap, and only the take keeps them
    apart."""
    monkeypatch.setattr(repository, "take_check", lambda *args: True)
    provider = SlowProvider()
    orders(uow, provider)
    two_replicas(upkeep.janitor_round, uow, provider, TERMS, START + timedelta(minutes=3),
                 at_once)
    assert max(provider.asked.values()) == 2


def test_an_order_taken_by_a_replica_that_died_is_asked_about_once_its_lease_ends(uow):
    provider = SlowProvider()
    payment_id = new_order(uow, provider)
    now = START + timedelta(minutes=3)
    with uow.core_transaction() as connection:  # the replica took it, then died
        assert repository.take_check(connection, payment_id, now, now + TERMS.lease)
    upkeep.janitor_round(uow, provider, TERMS, now + TERMS.lease - timedelta(seconds=1))
    assert provider.asked[payment_id] == 0  # still the dead replica's
    upkeep.janitor_round(uow, provider, TERMS, now + TERMS.lease)
    assert provider.asked[payment_id] == 1
