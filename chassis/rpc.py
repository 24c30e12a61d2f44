"""Service-to-service RPC with a timeout.

Nameko's RpcProxy waits for ever. `ServiceRpc` bounds every call and turns a
timeout into `UpstreamTimeout`, which the gateway answers as a 504. Typed
errors from contracts.errors arrive as themselves (they are registered with
Nameko); anything else arrives as a RemoteError and is the callee's bug.
"""

import eventlet
from nameko.rpc import Rpc, RpcProxy

from chassis.db import settings_of
from contracts.errors import CityHubError, UpstreamTimeout


class TypedRpc(Rpc):
    """An RPC entrypoint for which CityHub's typed errors are expected outcomes.

    Nameko then logs them as one warning line instead of an error with a traceback.
    """

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
    def __init__(self, target_service: str, timeout: float | None = None, **options):
        self.timeout = timeout
        super().__init__(target_service, **options)

    def get_dependency(self, worker_ctx):
        timeout = self.timeout or settings_of(self.container).rpc_timeout_seconds
        return _TimedService(super().get_dependency(worker_ctx), self.target_service, timeout)
