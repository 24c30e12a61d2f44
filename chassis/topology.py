"""Every exchange and queue CityHub uses, declared in one place.

Each service declares its own at start, and `cityhub topology` declares all of
them up front, so an event published before its consumer first starts waits in
the consumer's queue instead of being dropped.

Per service that answers RPC there is rpc-<service> (rpc_request_queue), and per
calling process a reply queue (rpc_reply_queue).

Per event handler there are three queues:
  <service>.<handler>        bound to <source>.events with the event type
  <service>.<handler>.retry  holds a failed message for its backoff, then
                             dead-letters it back to the main queue
  <service>.<handler>.dlq    where a message lands after its last attempt

Every queue that holds events is a quorum queue: replicated over the cluster's nodes
(when there is a cluster), so losing a node loses none of them. RabbitMQ 3.10 gives a
quorum queue no delivery limit and dead-letters at most once unless told: each main
queue is given a delivery limit (a message whose consumer died holding it that many
times, a poison message that kills its process, goes to the handler's dead-letter
queue), and the main and retry queues dead-letter at least once (which needs
`reject-publish` overflow). Checked on RabbitMQ 3.10.8: per-message TTL on the retry
queue and at-least-once dead-lettering back to the main queue both work there.
"""

import logging
from contextlib import contextmanager
from dataclasses import dataclass

import eventlet
from amqp.exceptions import AccessRefused, NotFound, PreconditionFailed
from kombu import Connection, Exchange, Queue, binding

from contracts.events import (
    AppointmentHeld,
    CitizenPhoneVerified,
    ConsentGranted,
    ConsentRevoked,
    Event,
    NotificationCreated,
    PaymentReconciliationMismatch,
    events_exchange,
)

log = logging.getLogger(__name__)

DEPTH_POLL_SECONDS = 15
# Deliveries of one message before its handler's queue dead-letters it: far above the
# handler's own attempts (each of which is a new message through the retry queue), so
# only a message whose consumer keeps dying with it reaches the limit.
DELIVERY_LIMIT = 20


def quorum(**arguments) -> dict:
    return {"x-queue-type": "quorum", **arguments}


def at_least_once_to(exchange: str, routing_key: str) -> dict:
    """Dead-lettering that keeps the message until the queue it goes to has it."""
    return {"x-dead-letter-exchange": exchange, "x-dead-letter-routing-key": routing_key,
            "x-dead-letter-strategy": "at-least-once", "x-overflow": "reject-publish"}


def bound_only(exchange: Exchange) -> Exchange:
    """The exchange as a queue's binding names it, never declaring it.

    A queue declared with kombu declares its exchanges too, on every reconnect, and
    declaring an exchange takes the `configure` permission on it: a consumer would need
    the right to delete the exchanges of the services it listens to. `declare` makes
    sure the exchanges exist instead, asking first without declaring (which needs no
    permission).
    """
    return Exchange(exchange.name, type=exchange.type, durable=exchange.durable,
                    auto_delete=exchange.auto_delete, arguments=exchange.arguments,
                    no_declare=True)


# The alternate exchange of every events exchange: an event that matches no
# binding goes there instead of vanishing, so that `mandatory` publishing only
# fails when the topology itself is missing. What lands in its queue is an event
# whose handler's binding is missing: bounded in length and age (it is for
# diagnosis, not keeping), watched by the `cityhub_unrouted_events` gauge.
UNROUTED_EXCHANGE = "cityhub.unrouted"
UNROUTED_QUEUE = "cityhub.missing-bindings"
UNROUTED_MAX_LENGTH = 10_000
UNROUTED_MAX_AGE_MS = 24 * 3600 * 1000
# Before the bounds, unrouted events piled up here with no age limit.
LEGACY_UNROUTED_QUEUE = "cityhub.unrouted"

# Events no reliable handler reads: some are published for consumers to come (an ops
# inbox for reconciliation mismatches, which until then are read from the day's
# report), and notification.created is read only by the
# gateways' live streams, whose queues live as long as their process. They are bound
# to a queue that keeps nothing, so they are neither counted as unrouted nor kept.
NO_CONSUMER_QUEUE = "cityhub.no-consumer"
NO_CONSUMER_BY_DESIGN: tuple[type[Event], ...] = (
    CitizenPhoneVerified, ConsentGranted, ConsentRevoked, NotificationCreated,
    PaymentReconciliationMismatch, AppointmentHeld,
)


def unrouted_exchange() -> Exchange:
    return Exchange(UNROUTED_EXCHANGE, type="fanout", durable=True)


def unrouted_queue() -> Queue:
    return Queue(UNROUTED_QUEUE, exchange=bound_only(unrouted_exchange()), durable=True,
                 queue_arguments=quorum(**{"x-max-length": UNROUTED_MAX_LENGTH,
                                           "x-message-ttl": UNROUTED_MAX_AGE_MS}))


def no_consumer_queue() -> Queue:
    # x-max-length 0: every message is dropped as it arrives, and confirmed.
    bindings = [binding(bound_only(source_exchange(event.SOURCE)), event.binding_key())
                for event in NO_CONSUMER_BY_DESIGN]
    return Queue(NO_CONSUMER_QUEUE, durable=True, bindings=bindings,
                 queue_arguments=quorum(**{"x-max-length": 0}))


def service_exchange(service: str) -> Exchange:
    """A service's own direct exchange, each of its handler queues bound by its name:
    retries, dead letters and dead-lettering go through it. Not the default exchange,
    which would route to any queue by name for whoever may write to it."""
    return Exchange(f"{service}.queues", type="direct", durable=True)


def source_exchange(source: str) -> Exchange:
    return Exchange(events_exchange(source), type="topic", durable=True,
                    arguments={"alternate-exchange": UNROUTED_EXCHANGE})


# A request whose replica died holding it is given to another replica this many times
# more, then dropped: its caller's timeout (seconds) has long told it so.
RPC_DELIVERY_LIMIT = 3


def rpc_request_queue(service: str, exchange: Exchange) -> Queue:
    """A service's RPC requests, shared by its replicas.

    Quorum, not Nameko's durable classic queue: a classic queue lives on one node, and
    while that node is down the queue can be neither used nor declared again elsewhere,
    so the service would answer nothing until the node came back. A quorum queue keeps
    serving from the surviving nodes, with the requests it held.
    """
    return Queue(f"rpc-{service}", exchange=bound_only(exchange), routing_key=f"{service}.*",
                 durable=True, queue_arguments=quorum(
                     **{"x-delivery-limit": RPC_DELIVERY_LIMIT}))


def rpc_reply_queue(name: str, exchange: Exchange, routing_key: str,
                    expires_ms: int) -> Queue:
    """One calling process's replies: transient and classic, on the node it is
    connected to. When that node dies the queue goes with it (a durable one would stay,
    unusable, until the node returned), and the caller declares it again on the node it
    reconnects to; the replies in flight are lost, which its timeout reports."""
    return Queue(name, exchange=bound_only(exchange), routing_key=routing_key, durable=False,
                 queue_arguments={"x-expires": expires_ms})


def dlq_name(handler_queue: str) -> str:
    """Where a handler queue's messages go after their last attempt."""
    return f"{handler_queue}.dlq"


@dataclass(frozen=True)
class HandlerQueues:
    service: str
    handler: str
    source: str
    event_type: str

    @property
    def name(self) -> str:
        return f"{self.service}.{self.handler}"

    @property
    def retry_name(self) -> str:
        return f"{self.name}.retry"

    @property
    def dlq_name(self) -> str:
        return dlq_name(self.name)

    def _by_name(self, name: str):
        return binding(bound_only(service_exchange(self.service)), name)

    def main(self) -> Queue:
        return Queue(self.name, durable=True, bindings=[
            binding(bound_only(source_exchange(self.source)), self.event_type),
            self._by_name(self.name)], queue_arguments=quorum(
                **{"x-delivery-limit": DELIVERY_LIMIT},
                **at_least_once_to(service_exchange(self.service).name, self.dlq_name)))

    def retry(self) -> Queue:
        # Expired messages go back to the main queue.
        return Queue(self.retry_name, durable=True, bindings=[self._by_name(self.retry_name)],
                     queue_arguments=quorum(**at_least_once_to(
                         service_exchange(self.service).name, self.name)))

    def dlq(self) -> Queue:
        return Queue(self.dlq_name, durable=True, bindings=[self._by_name(self.dlq_name)],
                     queue_arguments=quorum())

    def all(self) -> list[Queue]:
        return [self.main(), self.retry(), self.dlq()]


class TopologyMissing(Exception):
    """An exchange or queue this user may only use is not there yet."""


class OldQueue(Exception):
    """A queue exists with other arguments than this release declares (a classic queue
    of an earlier release): `cityhub topology` moves it."""


def every_queue(queues) -> list[Queue]:
    return [unrouted_queue(), no_consumer_queue(), *queues]


@contextmanager
def own_channel(connection):
    """A channel for one step: a refused declare closes its channel, not the others'."""
    channel = connection.channel()
    try:
        yield channel
    finally:
        if channel.is_open:
            channel.close()


def exchanges_of(queues) -> list[Exchange]:
    found = {}
    for queue in queues:
        for exchange in [queue.exchange, *(b.exchange for b in queue.bindings or ())]:
            if exchange is not None and exchange.name:
                found.setdefault(exchange.name, exchange)
    return list(found.values())


def missing(connection, kind: str, names) -> list[str]:
    """Those of `names` that do not exist, asked without declaring (which takes no
    permission), on one channel: a refusal closes it, so only then is another opened."""
    missing, channel = [], connection.channel()
    try:
        for name in names:
            try:
                if kind == "exchange":
                    channel.exchange_declare(name, "topic", passive=True)
                else:
                    channel.queue_declare(name, passive=True)
            except NotFound:
                missing.append(name)
                channel = connection.channel()
    finally:
        if channel.is_open:
            channel.close()
    return missing


def _declare(connection, what, action) -> None:
    with own_channel(connection) as channel:
        try:
            action(channel)
        except AccessRefused:
            raise TopologyMissing(
                f"{what} does not exist and this broker user may not declare it: run "
                f"`cityhub topology` as the ops user first") from None
        except PreconditionFailed as exc:
            raise OldQueue(
                f"{what} was declared by an earlier release with other arguments "
                f"({exc.reply_text[:120]}): run `cityhub topology`, which moves it with "
                f"its messages (docs/operations.md, \"Moving to quorum queues\")") from None


def ensure_exchanges(connection, queues) -> None:
    """Declare the exchanges the queues bind to that do not exist yet."""
    exchanges = {e.name: e for e in exchanges_of(queues)}
    for name in missing(connection, "exchange", exchanges):
        _declare(connection, f"exchange {name}",
                 lambda channel, e=exchanges[name]: channel.exchange_declare(
                     e.name, e.type, durable=e.durable, auto_delete=e.auto_delete,
                     arguments=e.arguments))  # py-amqp's auto_delete is True if unsaid


def declare(connection, queues, sinks: bool = True) -> None:
    """Make sure the exchanges every queue binds to (and, with `sinks`, the sinks) exist,
    and declare the given queues: a service's own."""
    sinks = [unrouted_queue(), no_consumer_queue()] if sinks else []
    ensure_exchanges(connection, [*sinks, *queues])
    absent = set(missing(connection, "queue", [sink.name for sink in sinks]))
    for queue in [sink for sink in sinks if sink.name in absent] + list(queues):
        _declare(connection, f"queue {queue.name}",
                 lambda channel, q=queue: q.declare(channel=channel))


def first_for(container) -> bool:
    """True the first time a service container asks: its handlers and RPC entrypoint
    check the sinks once between them, not once each (notify has seventeen handlers)."""
    if getattr(container, "_cityhub_sinks_checked", False):
        return False
    container._cityhub_sinks_checked = True
    return True


def queue_depth(connection, name: str) -> int:
    channel = connection.channel()
    try:
        return channel.queue_declare(queue=name, passive=True).message_count
    finally:
        channel.close()


def watch_depth(amqp_uri: str, name: str, gauge, every: float = DEPTH_POLL_SECONDS) -> None:
    """Set `gauge` to the depth of queue `name` every `every` seconds, for ever."""
    while True:
        try:
            with Connection(amqp_uri) as connection:
                gauge.set(queue_depth(connection, name))
        except Exception:  # noqa: BLE001 - a metric must not kill the service
            log.debug("could not read the depth of %s", name, exc_info=True)
        eventlet.sleep(every)
