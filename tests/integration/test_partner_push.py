"""The courier that sends partners' webhook deliveries, on a clock the test moves,
against SQLite and PostgreSQL, with the partner's endpoint played by a fake."""

import json
import random
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import pytest

from chassis.settings import Settings
from services.notify.domain.inbox import Message
from services.notify.domain.webhooks import PAUSE_AFTER_FAILURES, signature_matches
from services.notify.repository import partners
from services.notify.use_cases import webhook_endpoints
from services.notify.use_cases.partner_push import Courier, record_event
from tests.fixtures.servers import migrated_database

pytestmark = pytest.mark.integration

START = datetime(2026, 11, 25, 1, 0, tzinfo=UTC)


class EngineDb:
    """The two kinds of transaction the courier asks notify's unit of work for."""

    def __init__(self, engine):
        self.engine = engine

    @contextmanager
    def core_transaction(self):
        with self.engine.begin() as connection:
            yield connection

    @contextmanager
    def core_read(self):
        with self.engine.connect() as connection:
            yield connection


class Clock:
    def __init__(self):
        self.now = START

    def __call__(self):
        return self.now


class Endpoint:
    """A partner's endpoint: answers `status` (None: no answer) and keeps what came."""

    def __init__(self):
        self.status = 200
        self.received: list[dict] = []

    def __call__(self, url, body, headers):
        self.received.append({"url": url, "body": json.loads(body), "raw": body,
                              "headers": headers})
        return (self.status, None) if self.status else (None, "could not connect")

    def sequences(self):
        return [r["body"]["sequence"] for r in self.received]


@pytest.fixture(params=["sqlite", "postgresql"])
def db(request, tmp_path):
    database = migrated_database(request, tmp_path, "notify")
    yield EngineDb(database.engine)
    database.close()


@pytest.fixture
def push(db):
    """(courier, endpoint, clock), sending synchronously: a dispatch has drained
    everything due by the time it returns."""
    clock, endpoint = Clock(), Endpoint()
    courier = Courier(Settings(), endpoint, lambda fn, *args: fn(*args),
                      lambda fn, items: [fn(item) for item in items], random.Random(7))

    def dispatch():
        courier.dispatch(db, clock, lambda sealed: sealed)

    return dispatch, endpoint, clock


def register(db, partner_id="acme", enabled=True):
    view, secret = webhook_endpoints.put(db, partner_id, "https://acme.example/hooks",
                                         ["account"], enabled, START, lambda s, _: s)
    return secret


def notify(db, count=1, partner_id="acme", at=START):
    for n in range(count):
        message = Message(f"n-{partner_id}-{at.timestamp()}-{n}", "c-1", "welcome", 1,
                          "account", "en", "Welcome", "Hello", None, None, "e-1", at)
        with db.core_transaction() as connection:
            record_event(connection, partner_id, message, {"notification_id": message.id},
                         push=True)


def endpoint_row(db, partner_id="acme"):
    with db.core_read() as connection:
        return partners.webhook(connection, partner_id)


def rest_then_dispatch(dispatch, db, clock):
    """Let the endpoint's wait after its last failure pass, then send."""
    retry_at = endpoint_row(db).retry_at
    if retry_at is not None:
        clock.now = max(clock.now, retry_at)
    dispatch()


def test_deliveries_arrive_in_order_signed_with_the_endpoints_secret(db, push):
    dispatch, endpoint, clock = push
    secret = register(db)
    notify(db, 3)
    dispatch()
    assert endpoint.sequences() == [1, 2, 3]
    first = endpoint.received[0]
    assert signature_matches(secret, first["headers"]["CityHub-Signature"], first["raw"],
                             int(clock.now.timestamp()))
    assert first["headers"]["CityHub-Event-Id"] == first["body"]["id"]


def test_a_failing_endpoint_is_probed_with_one_delivery_at_a_time(db, push):
    dispatch, endpoint, clock = push
    register(db)
    notify(db, 5)
    endpoint.status = 503
    dispatch()  # the first batch goes out whole, and fails
    endpoint.received.clear()
    for _ in range(3):
        rest_then_dispatch(dispatch, db, clock)
    assert endpoint.sequences() == [1, 1, 1]
    endpoint.status = 200
    rest_then_dispatch(dispatch, db, clock)
    assert endpoint.sequences() == [1, 1, 1, 1, 2, 3, 4, 5]
    assert endpoint_row(db).consecutive_failures == 0


def test_nothing_is_sent_before_the_endpoints_wait_is_over(db, push):
    dispatch, endpoint, clock = push
    register(db)
    notify(db)
    endpoint.status = None
    dispatch()
    assert len(endpoint.received) == 1
    dispatch()
    clock.now += timedelta(milliseconds=500)
    dispatch()
    assert len(endpoint.received) == 1
    rest_then_dispatch(dispatch, db, clock)
    assert len(endpoint.received) == 2


def test_the_hundredth_failure_in_a_row_pauses_the_endpoint_until_it_is_re_enabled(db, push):
    dispatch, endpoint, clock = push
    register(db)
    notify(db, 2)
    endpoint.status = 500
    for _ in range(PAUSE_AFTER_FAILURES + 20):
        rest_then_dispatch(dispatch, db, clock)
    row = endpoint_row(db)
    assert (row.status, row.consecutive_failures) == ("paused", PAUSE_AFTER_FAILURES)
    # the first batch sent both at once (one failure), then one probe per wait
    assert len(endpoint.received) == PAUSE_AFTER_FAILURES + 1
    assert clock.now - START < timedelta(hours=24)
    notify(db, 1, at=clock.now)
    endpoint.status = 200
    dispatch()
    assert len(endpoint.received) == PAUSE_AFTER_FAILURES + 1  # paused: nothing goes
    webhook_endpoints.put(db, "acme", "https://acme.example/hooks", ["account"], True,
                          clock.now, lambda s, _: s)
    dispatch()
    assert endpoint.sequences()[-3:] == [1, 2, 3]


def test_a_delivery_still_failing_24_hours_after_its_first_attempt_is_given_up(db, push):
    dispatch, endpoint, clock = push
    register(db)
    notify(db, 2)
    endpoint.status = 503
    dispatch()
    clock.now = START + timedelta(hours=24)
    endpoint.status = 200
    endpoint.received.clear()
    dispatch()
    assert endpoint.sequences() == []  # both had their first attempt 24 hours ago
    with db.core_read() as connection:
        statuses = [d.status for d in partners.deliveries(connection, "acme", 10)]
    assert statuses == ["expired", "expired"]
    notify(db, 1, at=clock.now)
    dispatch()
    assert endpoint.sequences() == [3]  # and what came after goes out


def test_one_notify_process_sends_to_a_partner_at_a_time(db):
    clock = Clock()
    register(db)
    with db.core_transaction() as connection:
        until = START + timedelta(seconds=30)
        assert partners.take_lease(connection, "acme", "notify-a", START, until)
        assert not partners.take_lease(connection, "acme", "notify-b", START, until)
        assert partners.take_lease(connection, "acme", "notify-a", START, until)  # renewed
    notify(db)
    with db.core_read() as connection:
        assert partners.due_partners(connection, clock.now, 10) == []
        # a crashed holder's lease runs out, and another process takes over
        assert partners.due_partners(connection, until, 10) == ["acme"]
    with db.core_transaction() as connection:
        assert partners.take_lease(connection, "acme", "notify-b", until, until)


def test_each_partners_sequence_counts_1_2_3_without_gaps(db, push):
    register(db, "acme")
    register(db, "globex")
    notify(db, 3, "acme")
    notify(db, 2, "globex")
    with db.core_read() as connection:
        acme = [row.seq for row in partners.events_after(connection, "acme", 0, 10)]
        globex = [row.seq for row in partners.events_after(connection, "globex", 0, 10)]
    assert (acme, globex) == ([1, 2, 3], [1, 2])
