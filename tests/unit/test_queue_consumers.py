"""How CityHub takes messages off its queues (chassis/consumers.py)."""

import kombu.exceptions
import kombu.utils.functional
import pytest
from kombu import Connection

from chassis import consumers
from chassis.consumers import InlineQueueConsumer, ReplyQueueConsumer


class FakeConnection:
    def __init__(self):
        self.heartbeat_checks = 0

    def heartbeat_check(self):
        self.heartbeat_checks += 1


def test_a_reply_consumer_kept_busy_by_replies_still_checks_its_heartbeat_every_second(
        monkeypatch):
    consumer = ReplyQueueConsumer()
    connection = FakeConnection()
    consumer._live_connection = connection
    clock = [100.0]
    monkeypatch.setattr(consumers.time, "monotonic", lambda: clock[0])
    # A reply every 10 ms for 3 seconds: kombu's loop never idles long enough to
    # send a heartbeat by itself.
    for _ in range(300):
        consumer.on_iteration()
        clock[0] += 0.01
    assert connection.heartbeat_checks == 3


class FakeContainer:
    def __init__(self):
        self.killed_with = None

    def kill(self, exc_info):
        self.killed_with = exc_info[0]


class Entrypoint:
    def __init__(self, fail=False):
        self.fail = fail
        self.taken = []

    def handle_message(self, body, message):
        if self.fail:
            raise RuntimeError("broken entrypoint")
        self.taken.append(body)


def test_a_message_is_handed_to_its_entrypoint_at_once():
    consumer = InlineQueueConsumer()
    entrypoint = Entrypoint()
    consumer.handle_message(entrypoint, {"n": 1}, message=None)
    assert entrypoint.taken == [{"n": 1}]


def test_an_entrypoint_that_cannot_take_a_message_stops_the_service_as_nameko_would():
    consumer = InlineQueueConsumer()
    consumer.container = FakeContainer()
    consumer.handle_message(Entrypoint(fail=True), {"n": 1}, message=None)
    assert consumer.container.killed_with is RuntimeError


def test_a_consumer_tries_to_reach_a_missing_broker_again_every_few_seconds_not_half_a_minute(
        monkeypatch):
    # Port 9 (discard) has no broker: every try is refused at once, as during an outage.
    monkeypatch.setattr(kombu.utils.functional, "sleep", lambda seconds: None)
    consumer = InlineQueueConsumer()
    consumer.create_connection = lambda: Connection("amqp://guest:guest@127.0.0.1:9//")
    consumer.connect_max_retries = 5
    pauses = []
    consumer.on_connection_error = lambda exc, interval: pauses.append(interval)
    with pytest.raises(kombu.exceptions.OperationalError), consumer.establish_connection():
        pass
    assert len(pauses) == 5
    assert max(pauses) <= 3
