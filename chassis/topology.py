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

from dataclasses import dataclass

from kombu import Exchange, Queue

from contracts.events import events_exchange

# Events that no handler is bound to are kept here instead of vanishing, so
# that `mandatory` publishing only fails when the topology itself is missing.
UNROUTED_EXCHANGE = "cityhub.unrouted"
UNROUTED_QUEUE = "cityhub.unrouted"
UNROUTED_MAX_LENGTH = 100_000


def unrouted_exchange() -> Exchange:
    return Exchange(UNROUTED_EXCHANGE, type="fanout", durable=True)


def unrouted_queue() -> Queue:
    return Queue(UNROUTED_QUEUE, exchange=unrouted_exchange(), durable=True,
                 queue_arguments={"x-max-length": UNROUTED_MAX_LENGTH})


def source_exchange(source: str) -> Exchange:
    return Exchange(events_exchange(source), type="topic", durable=True,
                    arguments={"alternate-exchange": UNROUTED_EXCHANGE})


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
        return f"{self.name}.dlq"

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
    """Declare the unrouted sink and the given queues (with their exchanges)."""
    channel = connection.default_channel
    unrouted_queue().declare(channel=channel)
    for queue in queues:
        queue.declare(channel=channel)


def handler_queues_of(service_cls) -> list[HandlerQueues]:
    """The handler queues a Nameko service class consumes from."""
    from chassis.events import ReliableEventHandler

    found = []
    for name in dir(service_cls):
        method = getattr(service_cls, name)
        for entrypoint in getattr(method, "nameko_entrypoints", ()):
            if isinstance(entrypoint, ReliableEventHandler):
                found.append(HandlerQueues(service_cls.name, name,
                                           entrypoint.source, entrypoint.event_type))
    return found
