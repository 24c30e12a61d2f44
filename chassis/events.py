"""A reliable event handler: nothing is lost when a handler fails.

Nameko's own `@event_handler` acks a message even when the handler raises
(the event is gone), and with `requeue_on_error` a poison message loops for
ever. This entrypoint instead, on failure:
  - republishes the message to the handler's retry queue with a growing delay
    (the retry queue dead-letters it back to the main queue when it expires),
  - after the last attempt, republishes it to the handler's dead-letter queue,
and acks the original only once the broker has confirmed that republish. If
the republish itself fails the original is requeued, so a crash at any point
leaves the message somewhere. Handlers must be idempotent (see
`UnitOfWork.claim`): delivery is at least once.
"""

import logging
import traceback

from kombu import Connection
from nameko.messaging import Consumer

from chassis import metrics, topology
from chassis.broker import Publisher, PublishFailed
from chassis.consumers import InlineQueueConsumer
from chassis.settings import settings_of
from contracts.events import Event

log = logging.getLogger(__name__)

ATTEMPT_HEADER = "x-cityhub-attempt"
ERROR_HEADER = "x-cityhub-error"


class ReliableEventHandler(Consumer):
    queue_consumer = InlineQueueConsumer()

    def __init__(self, event: type[Event], **kwargs):
        """`@reliable_handler(CitizenRegistered)`: the handler gets each such event's body."""
        self.source = event.SOURCE
        self.event_type = event.TYPE
        super().__init__(queue=None, **kwargs)

    @property
    def queues(self) -> topology.HandlerQueues:
        return topology.HandlerQueues(self.container.service_name, self.method_name,
                                      self.source, self.event_type)

    def setup(self):
        settings = settings_of(self.container)
        self.max_attempts = settings.handler_max_attempts
        self.backoff = settings.handler_backoff_seconds
        self.amqp_uri = settings.amqp_uri
        self.queue = self.queues.main()
        self.own_exchange = topology.service_exchange(self.container.service_name).name
        with Connection(self.amqp_uri) as connection:
            topology.declare(connection, self.queues.all(),
                             sinks=topology.first_for(self.container))
        self.publisher = Publisher(settings.amqp_uri)
        super().setup()

    def start(self):
        gauge = metrics.DEAD_LETTER_DEPTH.labels(self.queues.dlq_name)
        self.container.spawn_managed_thread(
            lambda: topology.watch_depth(self.amqp_uri, self.queues.dlq_name, gauge),
            identifier=f"dlq-depth:{self.queues.name}")
        super().start()

    def stop(self):
        super().stop()
        self.publisher.close()

    def handle_message_processed(self, message, result=None, exc_info=None):
        if exc_info is None:
            self.queue_consumer.ack_message(message)
            return
        headers = {key: value for key, value in (message.headers or {}).items()
                   if not key.startswith("x-death") and not key.startswith("x-first-death")
                   and not key.startswith("x-last-death")}
        attempt = int(headers.get(ATTEMPT_HEADER, 1))
        handler = self.queues.name
        try:
            if attempt < self.max_attempts:
                delay = self.backoff[min(attempt - 1, len(self.backoff) - 1)]
                headers[ATTEMPT_HEADER] = attempt + 1
                self.publisher.publish(message.body, exchange=self.own_exchange,
                                       routing_key=self.queues.retry_name, headers=headers,
                                       message_id=message.properties.get("message_id"),
                                       expiration=delay)
                metrics.EVENTS_RETRIED.labels(handler).inc()
            else:
                # Only the exception's type and message: the traceback's frames
                # could hold values the handler was working on.
                error = traceback.format_exception_only(exc_info[0], exc_info[1])[-1]
                headers[ERROR_HEADER] = error.strip()[:500]
                self.publisher.publish(message.body, exchange=self.own_exchange,
                                       routing_key=self.queues.dlq_name, headers=headers,
                                       message_id=message.properties.get("message_id"))
                metrics.EVENTS_DEAD_LETTERED.labels(handler).inc()
                log.error("event dead-lettered after %d attempts", attempt,
                          extra={"queue": self.queues.dlq_name})
        except PublishFailed:
            log.warning("could not move a failed event aside; requeueing it",
                        extra={"queue": handler})
            self.queue_consumer.requeue_message(message)
            return
        self.queue_consumer.ack_message(message)


reliable_handler = ReliableEventHandler.decorator


def handler_queues_of(service_cls) -> list[topology.HandlerQueues]:
    """The handler queues a Nameko service class consumes from."""
    found = []
    for name in dir(service_cls):
        method = getattr(service_cls, name)
        for entrypoint in getattr(method, "nameko_entrypoints", ()):
            if isinstance(entrypoint, ReliableEventHandler):
                found.append(topology.HandlerQueues(service_cls.name, name,
                                                    entrypoint.source, entrypoint.event_type))
    return found
