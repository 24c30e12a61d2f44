"""An install of an earlier release moves to quorum queues with nothing lost:
`cityhub topology` on a broker whose classic queues hold unconsumed events, retries
and dead letters (docs/operations.md, "Moving to quorum queues")."""

import json
import subprocess
import uuid

import pytest
from kombu import Connection, Queue
from nameko.rpc import get_rpc_exchange

from chassis import topology
from chassis.broker import Publisher
from chassis.settings import Settings
from cityhub import operations
from tests.fixtures.servers import ensure_vhost, purge_vhost

pytestmark = pytest.mark.integration
VHOST = "cityhub_test_quorum_move"
WAITING, RETRYING, DEAD = 40, 5, 3


@pytest.fixture
def settings():
    uri = ensure_vhost(VHOST)
    purge_vhost(uri, VHOST)
    yield Settings(amqp_uri=uri)
    purge_vhost(uri, VHOST)


def classic(handler: topology.HandlerQueues) -> list[Queue]:
    """The handler's queues as the earlier release declared them."""
    return [Queue(handler.name, exchange=topology.source_exchange(handler.source),
                  routing_key=handler.event_type, durable=True),
            Queue(handler.retry_name, durable=True, queue_arguments={
                "x-dead-letter-exchange": "", "x-dead-letter-routing-key": handler.name}),
            Queue(handler.dlq_name, durable=True)]


def held(connection, name: str) -> list[str]:
    """The event ids a queue holds, taken off it."""
    channel, ids = connection.channel(), []
    while (message := channel.basic_get(name, no_ack=True)) is not None:
        ids.append(json.loads(message.body)["event_id"])
    channel.close()
    return ids


def event(handler) -> tuple[str, bytes]:
    event_id = str(uuid.uuid4())
    return event_id, json.dumps({"event_id": event_id, "type": handler.event_type}).encode()


def test_topology_moves_classic_queues_to_quorum_with_every_event_once(settings):
    handler = operations.all_handler_queues()[0]
    publisher, sent = Publisher(settings.amqp_uri), {"main": [], "dlq": []}
    with Connection(settings.amqp_uri) as connection:
        for queue in classic(handler):
            queue.declare(channel=connection.default_channel)
        for _ in range(WAITING):  # published, not yet consumed (the services stopped)
            event_id, body = event(handler)
            publisher.publish(body, exchange=topology.source_exchange(handler.source).name,
                              routing_key=handler.event_type, message_id=event_id)
            sent["main"].append(event_id)
        for _ in range(RETRYING):  # waiting a minute's backoff
            event_id, body = event(handler)
            publisher.publish(body, exchange="", routing_key=handler.retry_name,
                              expiration=60, message_id=event_id)
            sent["main"].append(event_id)
        for _ in range(DEAD):
            event_id, body = event(handler)
            publisher.publish(body, exchange="", routing_key=handler.dlq_name,
                              message_id=event_id)
            sent["dlq"].append(event_id)
        publisher.close()
        # Positive control: the new release's services refuse the old queues, saying what
        # to do, rather than consume from them.
        with pytest.raises(topology.OldQueue, match="run `cityhub topology`"):
            topology.declare(connection, handler.all())

        moved = operations.declare_topology(settings)["moved"]

        assert {(m["queue"], m["into"], m["messages"]) for m in moved
                if m["queue"].startswith(handler.name)} == {
            (handler.name, handler.name, WAITING),
            (handler.retry_name, handler.name, RETRYING),  # retried now, their backoff cut short
            (handler.dlq_name, handler.dlq_name, DEAD)}
        topology.declare(connection, handler.all())  # what the services declare: quorum
        main, dlq = held(connection, handler.name), held(connection, handler.dlq_name)
        lost = (set(sent["main"]) - set(main)) | (set(sent["dlq"]) - set(dlq))
        doubled = len(main) - len(set(main)) + len(dlq) - len(set(dlq))
        assert (len(lost), doubled) == (0, 0)
        assert held(connection, handler.retry_name) == []
    assert operations.declare_topology(settings)["moved"] == []  # once moved, nothing to do


def queue_types(vhost: str) -> dict[str, str]:
    listing = subprocess.run(["rabbitmqctl", "list_queues", "-p", vhost, "-q",
                              "--no-table-headers", "name", "type"],
                             capture_output=True, text=True, check=True)
    return dict(line.split() for line in listing.stdout.splitlines() if line.strip())


def test_rpc_queues_of_an_earlier_release_are_moved_and_every_queue_ends_quorum(settings):
    config = {"AMQP_URI": settings.amqp_uri}
    new = operations.all_rpc_queues(settings)[0]
    with Connection(settings.amqp_uri) as connection:
        # As Nameko declares it: durable and classic, living on one node only.
        Queue(new.name, exchange=get_rpc_exchange(config), routing_key=new.routing_key,
              durable=True).declare(channel=connection.default_channel)
        with pytest.raises(topology.OldQueue, match=new.name):
            topology.declare(connection, [new])  # what a service does at start

        moved = operations.declare_topology(settings)["moved"]

    assert [m["queue"] for m in moved] == [new.name]
    types = queue_types(VHOST)
    assert {name for name, kind in types.items() if kind != "quorum"} == set()
    assert {q.name for q in operations.all_rpc_queues(settings)} <= set(types)


def test_the_exchanges_topology_makes_outlive_their_last_queue(settings):
    operations.declare_topology(settings)
    listing = subprocess.run(["rabbitmqctl", "list_exchanges", "-p", VHOST, "-q",
                              "--no-table-headers", "name", "auto_delete"],
                             capture_output=True, text=True, check=True)
    ours = dict(fields for fields in map(str.split, listing.stdout.splitlines())
                if len(fields) == 2 and not fields[0].startswith("amq."))  # not the default
    assert "identity.events" in ours and "nameko-rpc" in ours
    # An auto-delete exchange would vanish with its last binding, and with it the
    # events published to it.
    assert {name for name, auto_delete in ours.items() if auto_delete != "false"} == set()
