"""Each deployable's broker user reaches only its own queues and the exchanges it uses
(`cityhub topology --users`, cityhub/broker_users.py), and the platform works under
them: every refusal below has a positive control beside it, on the same user."""

import json
import uuid

import amqp
import pytest
from amqp.exceptions import AccessRefused
from kombu import Connection
from nameko.testing.services import entrypoint_hook

from chassis import topology
from chassis.events import reliable_handler
from chassis.rpc import ServiceRpc, rpc
from cityhub import broker_users, operations
from contracts.errors import NotFound
from contracts.events import CitizenRegistered, events_exchange
from services.identity.service import IdentityService
from tests.fixtures.servers import AMQP_BASE, ensure_vhost, purge_vhost
from tests.fixtures.services import container_of
from tests.fixtures.waiting import eventually

pytestmark = pytest.mark.integration
VHOST = "cityhub_test_users"
NOTIFY_HANDLER = topology.HandlerQueues(
    "notify", "on_citizen_registered", CitizenRegistered.SOURCE, CitizenRegistered.TYPE
)


@pytest.fixture(scope="module")
def users():
    """The users made, each as {"uri"}; deleted afterwards (users are broker-wide)."""
    from chassis.settings import Settings

    ops = Settings(amqp_uri=ensure_vhost(VHOST))
    purge_vhost(ops.amqp_uri, VHOST)
    operations.declare_topology(ops)
    made = broker_users.apply(ops, new_passwords=True)
    host = AMQP_BASE.rsplit("@", 1)[-1]
    yield {
        u["user"].removeprefix("cityhub-"): f"amqp://{u['user']}:{u['password']}@{host}/{VHOST}"
        for u in made
    }
    for user in made:
        broker_users._ctl(ops, "delete_user", user["user"])
    purge_vhost(ops.amqp_uri, VHOST)


def attempt(uri: str, action) -> str:
    """'allowed', or 'refused' when the broker says ACCESS_REFUSED."""
    with Connection(uri) as connection:
        channel = connection.channel()
        try:
            action(channel)
            return "allowed"
        except AccessRefused:
            return "refused"


def publish(exchange: str, routing_key: str):
    def action(channel):
        channel.confirm_select()
        channel.basic_publish_confirm(
            amqp.Message(b"{}"), exchange=exchange, routing_key=routing_key
        )

    return action


def take(queue: str):
    return lambda channel: channel.basic_get(queue, no_ack=False)


def declare(queue: str):
    return lambda channel: channel.queue_declare(
        queue, durable=True, auto_delete=False, arguments={"x-queue-type": "quorum"}
    )


def listen(queue: str, source: str):
    def action(channel):
        declare(queue)(channel)
        channel.queue_bind(queue, events_exchange(source), "#")
    return action


def test_payments_cannot_consume_identitys_or_notifys_queues(users):
    assert attempt(users["payments"], take("rpc-identity")) == "refused"
    assert attempt(users["payments"], take(NOTIFY_HANDLER.name)) == "refused"
    assert attempt(users["identity"], take("rpc-identity")) == "allowed"
    assert attempt(users["notify"], take(NOTIFY_HANDLER.name)) == "allowed"


def test_payments_cannot_publish_an_event_as_identity(users):
    registered = events_exchange(CitizenRegistered.SOURCE)
    assert attempt(users["payments"], publish(registered, CitizenRegistered.TYPE)) == "refused"
    assert attempt(users["identity"], publish(registered, CitizenRegistered.TYPE)) == "allowed"
    assert (
        attempt(users["payments"], publish(events_exchange("payments"), "payment.created"))
        == "allowed"
    )


def test_payments_cannot_put_a_message_into_another_services_queue_by_its_name(users):
    # The default exchange routes to any queue by name; nobody but ops may use it.
    assert attempt(users["payments"], publish("", NOTIFY_HANDLER.name)) == "refused"
    assert attempt(users["payments"], publish("notify.queues", NOTIFY_HANDLER.name)) == "refused"
    assert (
        attempt(users["notify"], publish("notify.queues", NOTIFY_HANDLER.retry_name)) == "allowed"
    )


def test_payments_cannot_declare_or_bind_queues_it_does_not_own(users):
    assert attempt(users["payments"], declare("identity.sneaky")) == "refused"
    assert attempt(users["payments"], declare("rpc-identity")) == "refused"
    # payments handles no identity event, so it may not bind to them either.
    assert attempt(users["payments"], listen("payments.listening", "identity")) == "refused"
    assert attempt(users["payments"], declare("payments.probe")) == "allowed"
    assert attempt(users["payments"], listen("payments.listening", "payments")) == "allowed"


def test_a_service_may_call_only_the_services_it_calls(users):
    # Routing keys on the RPC exchange: payments calls identity, and never matters.
    assert attempt(users["payments"], publish("nameko-rpc", "matters.get_matter")) == "refused"
    assert attempt(users["payments"], publish("nameko-rpc", "identity.get_citizen")) == "allowed"


class GatewayStandIn:
    name = "gateway"  # runs as cityhub-gateway: calls identity as the gateway does
    identity = ServiceRpc("identity")

    @rpc
    def look_up(self, citizen_id):
        return self.identity.get_citizen("acme", citizen_id)


class NotifyStandIn:
    name = "notify"  # runs as cityhub-notify: a handler of identity's event that fails
    calls = []

    @reliable_handler(CitizenRegistered)
    def on_citizen_registered(self, body):
        NotifyStandIn.calls.append(body)
        raise RuntimeError("fails every time")


def as_user(settings, uri: str) -> dict:
    own = settings.model_copy(
        update={"amqp_uri": uri, "handler_max_attempts": 2, "handler_backoff_seconds": [0.1]}
    )
    return {"AMQP_URI": uri, "CITYHUB_SETTINGS": own}


def test_the_services_answer_listen_retry_and_dead_letter_under_their_own_users(
        users, run_services, settings):
    ops_uri = f"{AMQP_BASE}/{VHOST}"
    with Connection(ops_uri) as connection:  # what the tests above published
        for queue in (NOTIFY_HANDLER.name, NOTIFY_HANDLER.retry_name, NOTIFY_HANDLER.dlq_name):
            connection.default_channel.queue_purge(queue)
    run_services(IdentityService, **as_user(settings, users["identity"]))
    gateway = run_services(GatewayStandIn, **as_user(settings, users["gateway"]))
    run_services(NotifyStandIn, **as_user(settings, users["notify"]))

    with entrypoint_hook(container_of(gateway, "gateway"), "look_up") as look_up:
        with pytest.raises(NotFound):  # the question went and identity's answer came back
            look_up("no-such-citizen")
    event_id = str(uuid.uuid4())
    sent = attempt(users["identity"], lambda channel: (
        channel.confirm_select(),
        channel.basic_publish_confirm(
            amqp.Message(json.dumps({"event_id": event_id}), message_id=event_id,
                         content_type="application/json"),
            exchange=events_exchange(CitizenRegistered.SOURCE),
            routing_key=CitizenRegistered.TYPE)))
    assert sent == "allowed"

    with Connection(ops_uri) as connection:
        assert eventually(lambda: topology.queue_depth(connection, NOTIFY_HANDLER.dlq_name) == 1)
    # Tried, retried through notify.queues, then set aside: each step as notify's user.
    assert [body["event_id"] for body in NotifyStandIn.calls] == [event_id] * 2
