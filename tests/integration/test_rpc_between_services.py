import eventlet
import pytest
from nameko.testing.services import entrypoint_hook

from chassis.broker import Publisher
from chassis.rpc import ServiceRpc, rpc
from contracts.errors import NotFound, UpstreamTimeout
from services.identity.service import IdentityService
from tests.fixtures.services import container_of

pytestmark = pytest.mark.integration


class SlowService:
    name = "slow"

    @rpc
    def ping(self):
        eventlet.sleep(2)
        return "pong"


class CallerService:
    name = "caller"

    identity = ServiceRpc("identity")
    slow = ServiceRpc("slow", timeout=0.3)

    @rpc
    def look_up(self, citizen_id):
        return self.identity.get_citizen("acme", citizen_id)

    @rpc
    def ping_slow(self):
        return self.slow.ping()


def test_a_typed_error_raised_by_a_service_reaches_the_caller_as_the_same_type(run_services):
    runner = run_services(IdentityService, CallerService)
    with entrypoint_hook(container_of(runner, "caller"), "look_up") as look_up:
        with pytest.raises(NotFound) as raised:
            look_up("no-such-citizen")
    assert raised.value.code == "citizen_not_found"
    assert raised.value.field == "citizen_id"


def test_a_service_that_does_not_answer_in_time_gives_an_upstream_timeout(run_services):
    runner = run_services(SlowService, CallerService)
    with entrypoint_hook(container_of(runner, "caller"), "ping_slow") as ping_slow:
        with pytest.raises(UpstreamTimeout, match="slow did not answer ping within 0.3s"):
            ping_slow()


def test_services_given_a_cluster_whose_first_node_is_down_answer_through_the_next(
        run_services, settings):
    # Port 1 refuses at once, as a dead node's address does; model_copy keeps this order.
    cluster = settings.model_copy(update={
        "amqp_uri": settings.amqp_uri.replace(":5672/", ":1/") + ";" + settings.amqp_uri})
    assert cluster.amqp_uri.split(";")[0].endswith(":1/" + settings.amqp_uri.split("/")[-1])
    runner = run_services(IdentityService, CallerService, AMQP_URI=cluster.amqp_uri,
                          CITYHUB_SETTINGS=cluster)
    with entrypoint_hook(container_of(runner, "caller"), "look_up") as look_up:
        with pytest.raises(NotFound):
            look_up("no-such-citizen")


def test_a_request_with_no_one_to_answer_is_dropped_and_the_service_keeps_answering(
        run_services, settings):
    runner = run_services(IdentityService, CallerService)
    publisher = Publisher(settings.amqp_uri)
    publisher.publish({"args": ["acme", "x"], "kwargs": {}}, exchange="nameko-rpc",
                      routing_key="identity.get_citizen")  # no reply_to: not from Nameko
    publisher.close()
    with entrypoint_hook(container_of(runner, "caller"), "look_up") as look_up:
        with pytest.raises(NotFound):
            look_up("no-such-citizen")
