"""Service-to-service RPC with a timeout.

Nameko's RpcProxy waits for ever. `ServiceRpc` bounds every call and turns a
timeout into `UpstreamTimeout`, which the gateway answers as a 504. Typed
errors from contracts.errors arrive as themselves (they are registered with
Nameko); anything else arrives as a RemoteError and is the callee's bug.
"""

import eventlet
from nameko.amqp.publish import Publisher
from nameko.rpc import Responder, Rpc, RpcConsumer, RpcProxy, get_rpc_exchange

from chassis.db import settings_of
from contracts.errors import CityHubError, UpstreamTimeout


class UnconfirmedPublisher(Publisher):
    use_confirms = False


class QuickResponder(Responder):
    """Replies without waiting for a publisher confirm.

    A reply goes to the caller's own reply queue; if it were lost the caller's
    timeout (ServiceRpc) reports it. Waiting for the confirm cost the replying
    service about a fifth of its CPU on the registration path (bench/README.md).
    """

    publisher_cls = UnconfirmedPublisher


class QuickRpcConsumer(RpcConsumer):
    def handle_result(self, message, result, exc_info):
        config = self.container.config
        responder = QuickResponder(config["AMQP_URI"], get_rpc_exchange(config),
                                   config.get("serializer", "json"), message)
        result, exc_info = responder.send_response(result, exc_info)
        self.queue_consumer.ack_message(message)
        return result, exc_info


class TypedRpc(Rpc):
    """The RPC entrypoint every CityHub service uses (`from chassis.rpc import rpc`).

    CityHub's typed errors are expected outcomes: Nameko logs them as one
    warning line instead of an error with a traceback. Replies are sent
    without confirms (QuickResponder). Do not mix with nameko.rpc.rpc in one
    service: the two would consume the same queue.
    """

    rpc_consumer = QuickRpcConsumer()

    def __init__(self, expected_exceptions=CityHubError, **kwargs):
        super().__init__(expected_exceptions=expected_exceptions, **kwargs)


rpc = TypedRpc.decorator


class _TimedService:
    def __init__(self, proxy, service_name: str, timeout: float):
        self._proxy = proxy
        self._service_name = service_name
        self._timeout = timeout

    def with_timeout(self, seconds: float) -> "_TimedService":
        return _TimedService(self._proxy, self._service_name, seconds)

    def __getattr__(self, method_name):
        method = getattr(self._proxy, method_name)

        def call(*args, **kwargs):
            try:
                with eventlet.Timeout(self._timeout):
                    return method(*args, **kwargs)
            except eventlet.Timeout:
                raise UpstreamTimeout(
                    f"{self._service_name} did not answer {method_name} "
                    f"within {self._timeout:g}s") from None

        return call


class ServiceRpc(RpcProxy):
    """RpcProxy with a timeout.

    Requests go without publisher confirms: Nameko uses the confirm only to
    raise UnknownService at once, and here the timeout covers that case.
    """

    def __init__(self, target_service: str, timeout: float | None = None, **options):
        self.timeout = timeout
        options.setdefault("use_confirms", False)
        super().__init__(target_service, **options)

    def get_dependency(self, worker_ctx):
        timeout = self.timeout or settings_of(self.container).rpc_timeout_seconds
        return _TimedService(super().get_dependency(worker_ctx), self.target_service, timeout)
