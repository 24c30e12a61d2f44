"""The RPC reply consumer, which never acks, must still show the broker it is alive."""

from chassis import rpc
from chassis.rpc import ReplyQueueConsumer


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
    monkeypatch.setattr(rpc.time, "monotonic", lambda: clock[0])
    # A reply every 10 ms for 3 seconds: kombu's loop never idles long enough to
    # send a heartbeat by itself.
    for _ in range(300):
        consumer.on_iteration()
        clock[0] += 0.01
    assert connection.heartbeat_checks == 3
