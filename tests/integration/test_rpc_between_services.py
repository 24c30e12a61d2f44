import eventlet
import pytest
from nameko.testing.services import entrypoint_hook

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
