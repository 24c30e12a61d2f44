"""Service-to-service RPC with a timeout.

Nameko's RpcProxy waits for ever. `ServiceRpc` bounds every call and turns a
timeout into `UpstreamTimeout`, which the gateway answers as a 504. Typed
errors from contracts.errors arrive as themselves (they are registered with
Nameko); anything else arrives as a RemoteError and is the callee's bug.
"""

import inspect
import json
import logging
import sys
import uuid

import eventlet
from kombu import Connection
from kombu.utils import json as kombu_json
from nameko.exceptions import (
    IncorrectSignature,
    UnserializableValueError,
    deserialize_to_instance,
    serialize,
)
from nameko.extensions import SharedExtension
from nameko.rpc import (
    RPC_REPLY_QUEUE_TTL,
    ReplyListener,
    Rpc,
    RpcConsumer,
    RpcProxy,
    RpcReply,
    get_rpc_exchange,
)

from chassis import topology
from chassis.broker import Publisher as ChannelPublisher
from chassis.broker import PublishFailed
from chassis.consumers import InlineQueueConsumer, ReplyQueueConsumer
from chassis.settings import settings_of
from contracts.errors import ERRORS, CityHubError, ServiceUnavailable, UpstreamTimeout

log = logging.getLogger(__name__)

# The typed errors are plain Python (contracts/ knows nothing of Nameko); registered
# here, in every process that calls or answers, they cross RPC as themselves.
for _error in ERRORS:
    deserialize_to_instance(_error)


class QuickRpcConsumer(RpcConsumer):
    """Sends RPC replies on one long-lived channel, without publisher confirms.

    Nameko builds a publisher, takes a pooled connection and waits for a
    confirm for every reply: about a sixth of the replying service's CPU on the
    registration path (bench/README.md). A reply goes to the caller's own
    reply queue; were it lost, the caller's timeout (ServiceRpc) reports it.

    Its request queue is a quorum queue (topology.rpc_request_queue says why), not
    the durable classic queue Nameko declares.
    """

    queue_consumer = InlineQueueConsumer()

    def setup(self):
        if self.queue is None:
            self.queue = topology.rpc_request_queue(self.container.service_name,
                                                    get_rpc_exchange(self.container.config))
            self.queue_consumer.register_provider(self)
            self._registered = True
        super().setup()
        settings = settings_of(self.container)
        with Connection(settings.amqp_uri) as connection:
            # An old classic queue says so.
            topology.declare(connection, [self.queue], sinks=topology.first_for(self.container))
        self.replies = ChannelPublisher(settings.amqp_uri, confirms=False)
        self.exchange_name = get_rpc_exchange(self.container.config).name

    def stop(self):
        super().stop()
        self.replies.close()

    def handle_result(self, message, result, exc_info):
        reply_to = message.properties.get("reply_to")
        if reply_to is None:
            # No caller to answer (a request that is not Nameko's). Raising here would
            # kill the whole service (the consumer's thread dies with it), so drop it.
            log.warning("an RPC request without reply_to was dropped",
                        extra={"routing_key": message.delivery_info.get("routing_key")})
            self.queue_consumer.ack_message(message)
            return result, exc_info
        error = serialize(exc_info[1]) if exc_info is not None else None
        try:
            body = json.dumps({"result": result, "error": error})
        except (TypeError, ValueError):
            # The same answer Nameko gives: the caller learns the result could
            # not be sent, rather than waiting for its timeout.
            exc_info = sys.exc_info()
            body = json.dumps({"result": None,
                               "error": serialize(UnserializableValueError(result))})
        try:
            self.replies.publish(body, exchange=self.exchange_name,
                                 routing_key=reply_to,
                                 correlation_id=message.properties.get("correlation_id"))
        except PublishFailed:
            # The work is done; redelivering the request would do it twice. The
            # caller's timeout tells it the answer did not arrive.
            log.warning("could not send an RPC reply", exc_info=True)
        self.queue_consumer.ack_message(message)
        return result, exc_info


class TypedRpc(Rpc):
    """The RPC entrypoint every CityHub service uses (`from chassis.rpc import rpc`).

    CityHub's typed errors are expected outcomes: Nameko logs them as one
    warning line instead of an error with a traceback. Replies are sent
    without confirms (QuickRpcConsumer). Do not mix with nameko.rpc.rpc in one
    service: the two would consume the same queue.
    """

    rpc_consumer = QuickRpcConsumer()

    def __init__(self, expected_exceptions=CityHubError, **kwargs):
        super().__init__(expected_exceptions=expected_exceptions, **kwargs)

    def setup(self):
        super().setup()
        self._signature = inspect.signature(getattr(self.container.service_cls,
                                                    self.method_name))

    def check_signature(self, args, kwargs):
        # Nameko's check (inspect.getcallargs) rebuilds the signature on every
        # call; binding to one built at setup gives the same answer for less.
        try:
            self._signature.bind(None, *args, **kwargs)
        except TypeError as exc:
            raise IncorrectSignature(str(exc)) from None


rpc = TypedRpc.decorator


def rpc_queues_of(service_cls, config: dict) -> list:
    """The RPC request queue a Nameko service class consumes from, if it answers RPC."""
    answers = any(isinstance(entrypoint, TypedRpc)
                  for name in dir(service_cls)
                  for entrypoint in getattr(getattr(service_cls, name), "nameko_entrypoints",
                                            ()))
    return [topology.rpc_request_queue(service_cls.name, get_rpc_exchange(config))] \
        if answers else []


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


class RequestPublisher(SharedExtension):
    """One channel per process for RPC requests, without publisher confirms."""

    def setup(self):
        settings = settings_of(self.container)
        self.publisher = ChannelPublisher(settings.amqp_uri, confirms=False)
        self.exchange_name = get_rpc_exchange(self.container.config).name

    def stop(self):
        self.publisher.close()


def context_headers(worker_ctx) -> dict:
    """Nameko context data (request id, call stack) as the headers Nameko reads back."""
    return {f"nameko.{key}": value for key, value in worker_ctx.context_data.items()
            if value is not None}


class _Requests:
    """Sends one service's RPC requests and waits for the replies.

    Nameko's MethodProxy builds a publisher, takes a pooled connection and waits
    for a confirm on every call; the confirm only serves to raise UnknownService
    at once, which the timeout covers here. This sends on one shared channel.
    """

    def __init__(self, worker_ctx, service_name, reply_listener, requests: RequestPublisher):
        self.worker_ctx = worker_ctx
        self.service_name = service_name
        self.reply_listener = reply_listener
        self.requests = requests

    def __getattr__(self, method_name):
        def call(*args, **kwargs):
            correlation_id = str(uuid.uuid4())
            reply_event = self.reply_listener.get_reply_event(correlation_id)
            try:
                self._send(method_name, args, kwargs, correlation_id)
                return RpcReply(reply_event).result()
            finally:
                # A reply that never came (a timeout, no broker) must not keep
                # its waiting slot for ever.
                self.reply_listener.forget(correlation_id)

        return call

    def _send(self, method_name, args, kwargs, correlation_id):
        try:
            self.requests.publisher.publish(
                kombu_json.dumps({"args": args, "kwargs": kwargs}),
                exchange=self.requests.exchange_name,
                routing_key=f"{self.service_name}.{method_name}",
                headers=context_headers(self.worker_ctx),
                reply_to=self.reply_listener.routing_key, correlation_id=correlation_id)
        except PublishFailed:
            log.warning("RPC request not sent: the broker is unavailable", exc_info=True)
            raise ServiceUnavailable(
                f"{self.service_name} cannot be reached right now; try again shortly",
                code="temporarily_unavailable") from None


class QuickReplyListener(ReplyListener):
    queue_consumer = ReplyQueueConsumer()

    def setup(self):
        super().setup()
        declared = self.queue
        self.queue = topology.rpc_reply_queue(declared.name, declared.exchange,
                                              self.routing_key, RPC_REPLY_QUEUE_TTL)
        with Connection(settings_of(self.container).amqp_uri) as connection:
            topology.ensure_exchanges(connection, [self.queue])

    def forget(self, correlation_id: str) -> None:
        self._reply_events.pop(correlation_id, None)

    def handle_message(self, body, message):
        waiting = self._reply_events.pop(message.properties.get("correlation_id"), None)
        if waiting is not None:
            waiting.send(body)


class ServiceRpc(RpcProxy):
    """Calls another service, bounded by a timeout (UpstreamTimeout when it passes)."""

    requests = RequestPublisher()
    rpc_reply_listener = QuickReplyListener()

    def __init__(self, target_service: str, timeout: float | None = None, **options):
        self.timeout = timeout
        super().__init__(target_service, **options)

    def get_dependency(self, worker_ctx):
        timeout = self.timeout or settings_of(self.container).rpc_timeout_seconds
        requests = _Requests(worker_ctx, self.target_service, self.rpc_reply_listener,
                             self.requests)
        return _TimedService(requests, self.target_service, timeout)
