"""An event that matches no binding is kept for diagnosis, bounded, and counted;
an event no one consumes by design is neither lost by accident nor counted."""

import pytest
from kombu import Connection

from chassis import topology
from chassis.broker import Publisher
from chassis.db import new_event
from chassis.events import handler_queues_of
from cityhub.deployables import DEPLOYABLES
from contracts import events
from tests.fixtures.servers import purge_vhost

pytestmark = pytest.mark.integration


@pytest.fixture
def declared(amqp_uri):
    purge_vhost(amqp_uri)
    with Connection(amqp_uri) as connection:
        topology.declare(connection, [])
    yield
    purge_vhost(amqp_uri)


def publish(amqp_uri, source: str, event_type: str) -> None:
    envelope = new_event(source, event_type, {"citizen_id": "c-1"})
    publisher = Publisher(amqp_uri)
    publisher.publish(envelope.model_dump_json(), exchange=f"{source}.events",
                      routing_key=event_type, message_id=envelope.event_id)
    publisher.close()


def unrouted(amqp_uri) -> int:
    with Connection(amqp_uri) as connection:
        return topology.queue_depth(connection, topology.UNROUTED_QUEUE)


def test_an_event_whose_binding_is_missing_waits_in_the_unrouted_queue(amqp_uri, declared):
    publish(amqp_uri, "identity", "citizen.registered")  # notify's queue is not declared
    assert unrouted(amqp_uri) == 1


@pytest.mark.parametrize("event", topology.NO_CONSUMER_BY_DESIGN, ids=lambda e: e.TYPE)
def test_an_event_no_one_consumes_by_design_is_not_counted_as_unrouted(
        amqp_uri, declared, event):
    publish(amqp_uri, event.SOURCE, event.binding_key("c-1"))
    publish(amqp_uri, "identity", "citizen.registered")  # control: this one is unrouted
    assert unrouted(amqp_uri) == 1


def test_the_unrouted_queue_is_bounded_in_length_and_age():
    arguments = topology.unrouted_queue().queue_arguments
    assert arguments["x-max-length"] <= 10_000
    assert arguments["x-message-ttl"] <= 24 * 3600 * 1000


def test_every_event_in_the_contracts_has_a_handler_or_no_consumer_by_design():
    handled = {(q.source, q.event_type) for d in DEPLOYABLES.values()
               for q in handler_queues_of(d.service_class())}
    by_design = {(event.SOURCE, event.TYPE) for event in topology.NO_CONSUMER_BY_DESIGN}
    published = {(model.SOURCE, model.TYPE) for model in events.EVENT_MODELS}
    assert handled, "no handler found: the test would prove nothing"
    assert published - handled - by_design == set()
    assert handled & by_design == set()  # a consumer came: take it off the list
