"""Every exchange and queue CityHub uses, declared in one place.

Each service declares its own at start, and `cityhub topology` declares all of
them up front, so an event published before its consumer first starts waits in
the consumer's queue instead of being dropped.

Per event handler there are three queues:
  <service>.<handler>        bound to <source>.events with the event type
  <service>.<handler>.retry  holds a failed message for its backoff, then
                             dead-letters it back to the main queue
  <service>.<handler>.dlq    where a message lands after its last attempt
"""

import logging
from dataclasses import dataclass

import eventlet
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
    return Queue(UNROUTED_QUEUE, exchange=unrouted_exchange(), durable=True,
                 queue_arguments={"x-max-length": UNROUTED_MAX_LENGTH,
                                  "x-message-ttl": UNROUTED_MAX_AGE_MS})


def no_consumer_queue() -> Queue:
    # x-max-length 0: every message is dropped as it arrives, and confirmed.
    bindings = [binding(source_exchange(event.SOURCE), event.binding_key())
                for event in NO_CONSUMER_BY_DESIGN]
    return Queue(NO_CONSUMER_QUEUE, durable=True, bindings=bindings,
                 queue_arguments={"x-max-length": 0})


def source_exchange(source: str) -> Exchange:
    return Exchange(events_exchange(source), type="topic", durable=True,
                    arguments={"alternate-exchange": UNROUTED_EXCHANGE})


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

    def main(self) -> Queue:
        return Queue(self.name, exchange=source_exchange(self.source),
                     routing_key=self.event_type, durable=True)

    def retry(self) -> Queue:
        # Expired messages go back through the default exchange, which routes
        # by queue name, to the main queue.
        return Queue(self.retry_name, durable=True, queue_arguments={
            "x-dead-letter-exchange": "",
            "x-dead-letter-routing-key": self.name,
        })

    def dlq(self) -> Queue:
        return Queue(self.dlq_name, durable=True)

    def all(self) -> list[Queue]:
        return [self.main(), self.retry(), self.dlq()]


def declare(connection, queues) -> None:
    """Declare the sinks and the given queues (with their exchanges)."""
    channel = connection.default_channel
    for queue in (unrouted_queue(), no_consumer_queue(), *queues):
        queue.declare(channel=channel)


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
