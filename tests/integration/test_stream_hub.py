"""The gateway's live-stream hub keeps its broker connection under a steady flow."""

import json
import time

import pytest
from kombu import Connection, Producer

from chassis.topology import source_exchange
from contracts.events import NotificationCreated
from gateway.streams import END, LiveStreams
from tests.fixtures.services import container_of

pytestmark = pytest.mark.integration

HEARTBEAT = 1  # the broker drops a connection silent for two of these


class StreamsOnly:
    name = "streams_only"
    streams = LiveStreams()


def test_a_steady_flow_of_events_never_costs_the_hub_its_broker_connection(
        run_services, settings, amqp_uri):
    """Before the fix, heartbeats were sent only when a second passed with no event:
    at one event every 0.2 s the broker closed the connection after 2 heartbeats
    and every open stream was ended."""
    quick = settings.model_copy(update={"amqp_heartbeat": HEARTBEAT})
    runner = run_services(StreamsOnly, CITYHUB_SETTINGS=quick)
    hub = next(ext for ext in container_of(runner, "streams_only").extensions
               if type(ext).__name__ == "StreamHub")
    subscription = hub.subscribe("c-steady")
    exchange = source_exchange(NotificationCreated.SOURCE)
    sent, started = 0, time.monotonic()
    with Connection(amqp_uri) as connection:
        producer = Producer(connection.default_channel, exchange=exchange)
        exchange.declare(channel=connection.default_channel)
        while time.monotonic() - started < 6 * HEARTBEAT:
            payload = {"citizen_id": "c-steady",
                       "notification": {"notification_id": f"n-{sent}"}}
            producer.publish(json.dumps({"payload": payload}),
                             routing_key=NotificationCreated.binding_key("c-steady"))
            sent += 1
            time.sleep(0.2)
    time.sleep(0.5)
    received = []
    while not subscription.pending.empty():
        received.append(subscription.pending.get_nowait())
    assert END not in received, "the hub lost the broker and ended the stream"
    assert [n["notification_id"] for n in received] == [f"n-{i}" for i in range(sent)]
    hub.unsubscribe(subscription)
