from types import SimpleNamespace

import pytest

from chassis.broker import PublishFailed
from chassis.rpc import QuickReplyListener, _Requests, _TimedService
from contracts.errors import ServiceUnavailable, UpstreamTimeout


class BrokerDown:
    def publish(self, *args, **kwargs):
        raise PublishFailed("ConnectionRefusedError: [Errno 111] Connection refused")


class BrokerSilent:
    """Takes every request; no service ever answers."""

    def publish(self, *args, **kwargs):
        pass


def identity_calls(publisher, timeout=5.0):
    listener = QuickReplyListener()
    listener.routing_key = "rpc.reply-gateway"
    requests = SimpleNamespace(publisher=publisher, exchange_name="nameko-rpc")
    worker_ctx = SimpleNamespace(context_data={"request_id": "r-1"})
    calls = _TimedService(_Requests(worker_ctx, "identity", listener, requests), "identity",
                          timeout)
    return calls, listener


def test_a_call_the_broker_cannot_take_is_a_temporary_unavailability_naming_the_service():
    identity, listener = identity_calls(BrokerDown())
    with pytest.raises(ServiceUnavailable) as refused:
        identity.register_citizen("sandbox", "u-1", "sealed", "en")
    assert (refused.value.status, refused.value.code) == (503, "temporarily_unavailable")
    assert "identity" in refused.value.message
    assert listener._reply_events == {}


def test_a_call_nobody_answers_times_out_and_leaves_no_reply_waiting():
    identity, listener = identity_calls(BrokerSilent(), timeout=0.05)
    with pytest.raises(UpstreamTimeout):
        identity.register_citizen("sandbox", "u-1", "sealed", "en")
    assert listener._reply_events == {}
