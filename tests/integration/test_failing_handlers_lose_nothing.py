"""A handler that raises must not lose the event: retried, dead-lettered, replayed."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from kombu import Connection

from chassis.broker import Publisher
from chassis.db import new_event
from chassis.events import ATTEMPT_HEADER, ERROR_HEADER, reliable_handler
from chassis.topology import queue_depth
from cityhub import operations
from contracts.events import Event
from tests.fixtures.waiting import eventually

pytestmark = pytest.mark.integration

# How often the handler below fails before it succeeds, and what it saw.
behaviour = {"failures_left": 0, "calls": [], "handled": []}


class ThingHappened(Event):
    TYPE = "thing.happened"
    SOURCE = "testsource"


class FlakyService:
    name = "flaky"

    @reliable_handler(ThingHappened)
    def on_thing(self, body):
        behaviour["calls"].append(body["event_id"])
        if behaviour["failures_left"] > 0:
            behaviour["failures_left"] -= 1
            raise RuntimeError("the downstream system is down")
        behaviour["handled"].append(body["event_id"])


@pytest.fixture(autouse=True)
def reset_behaviour():
    behaviour.update(failures_left=0, calls=[], handled=[])


def publish_thing(settings):
    envelope = new_event("testsource", "thing.happened", {"n": 1})
    publisher = Publisher(settings.amqp_uri)
    publisher.publish(envelope.model_dump_json(), exchange="testsource.events",
                      routing_key="thing.happened", message_id=envelope.event_id)
    publisher.close()
    return envelope.event_id


def dlq_depth(settings):
    with Connection(settings.amqp_uri) as connection:
        return queue_depth(connection, "flaky.on_thing.dlq")


def test_a_handler_that_fails_twice_is_retried_and_then_handles_the_event_once(
        run_services, settings):
    run_services(FlakyService)
    behaviour["failures_left"] = 2
    event_id = publish_thing(settings)
    assert eventually(lambda: behaviour["handled"])
    assert behaviour["handled"] == [event_id]
    assert behaviour["calls"] == [event_id] * 3
    assert dlq_depth(settings) == 0


def test_a_handler_that_keeps_failing_sends_the_event_to_its_dead_letter_queue(
        run_services, settings):
    run_services(FlakyService)
    behaviour["failures_left"] = 1000
    publish_thing(settings)
    assert eventually(lambda: dlq_depth(settings) == 1)
    assert len(behaviour["calls"]) == settings.handler_max_attempts
    with Connection(settings.amqp_uri) as connection:
        channel = connection.channel()
        message = channel.basic_get("flaky.on_thing.dlq", no_ack=False)
        assert message.headers[ATTEMPT_HEADER] == settings.handler_max_attempts
        assert message.headers[ERROR_HEADER] == (
            "RuntimeError: the downstream system is down")
        channel.basic_reject(message.delivery_tag, requeue=True)
        channel.close()


def test_cityhub_dlq_replay_delivers_a_dead_lettered_event_again_once_fixed(
        run_services, settings):
    run_services(FlakyService)
    behaviour["failures_left"] = 1000
    event_id = publish_thing(settings)
    assert eventually(lambda: dlq_depth(settings) == 1)

    behaviour["failures_left"] = 0  # the downstream system is back
    replayed = subprocess.run(
        [Path(sys.executable).parent / "cityhub", "dlq", "replay", "flaky.on_thing"],
        env=os.environ | {"CITYHUB_AMQP_URI": settings.amqp_uri},
        capture_output=True, text=True, timeout=60, check=True)
    assert json.loads(replayed.stdout) == {"queue": "flaky.on_thing", "replayed": 1}
    assert eventually(lambda: behaviour["handled"]) == [event_id]
    assert dlq_depth(settings) == 0


def test_replaying_an_unknown_queue_is_refused_with_a_clear_message(settings, amqp_uri):
    with pytest.raises(operations.OperationFailed, match="no queue named nosuch.handler"):
        operations.replay(settings, "nosuch.handler")
