"""Live notification streams (Server-Sent Events) for the citizens connected here.

Each gateway process has a queue of its own, bound to notify's `notification.created`
events and gone with the process, so a citizen connected to any gateway gets every
notification however many gateways run. The hub hands each event to the streams of
its citizen without waiting: a stream whose client does not keep up is ended (it
reconnects with Last-Event-ID and the inbox replays what it missed), so a slow or
dead client never slows delivery to the others. After a broker outage the hub's
queue is new and may have missed events, so it ends every stream the same way.
"""

import json
import logging
import uuid
from collections import defaultdict

import eventlet
from eventlet.queue import Empty, Full, LightQueue
from kombu import Connection, Queue
from nameko.extensions import DependencyProvider, SharedExtension

from chassis.settings import settings_of
from chassis.topology import source_exchange
from contracts.events import NotificationCreated

log = logging.getLogger(__name__)

PENDING_PER_STREAM = 100  # events a client may fall behind before its stream is ended
END = object()


class Subscription:
    def __init__(self, citizen_id: str):
        self.citizen_id = citizen_id
        self.pending = LightQueue(PENDING_PER_STREAM)

    def offer(self, notification: dict) -> bool:
        """False when the client is too far behind: its stream must end."""
        try:
            self.pending.put_nowait(notification)
            return True
        except Full:
            return False

    def end(self) -> None:
        # Made room for: the stream sees END next, whatever it had pending.
        while True:
            try:
                self.pending.get_nowait()
            except Empty:
                break
        self.pending.put_nowait(END)


class StreamHub(SharedExtension):
    def setup(self):
        settings = settings_of(self.container)
        self.amqp_uri = settings.amqp_uri
        self.heartbeat_seconds = settings.stream_heartbeat_seconds
        self.queue_name = f"gateway.streams.{uuid.uuid4().hex}"
        self.subscribers: dict[str, set[Subscription]] = defaultdict(set)
        self._running = True

    def start(self):
        self._thread = self.container.spawn_managed_thread(self._consume,
                                                           identifier="stream-hub")

    def stop(self):
        self._running = False
        self._thread.kill()

    def kill(self):
        self.stop()

    def subscribe(self, citizen_id: str) -> Subscription:
        subscription = Subscription(citizen_id)
        self.subscribers[citizen_id].add(subscription)
        return subscription

    def unsubscribe(self, subscription: Subscription) -> None:
        streams = self.subscribers.get(subscription.citizen_id)
        if streams is not None:
            streams.discard(subscription)
            if not streams:
                del self.subscribers[subscription.citizen_id]

    def deliver(self, citizen_id: str, notification: dict) -> None:
        for subscription in list(self.subscribers.get(citizen_id, ())):
            if not subscription.offer(notification):
                log.warning("a live stream fell behind and was ended")
                subscription.end()
                self.unsubscribe(subscription)

    def end_all(self) -> None:
        for streams in list(self.subscribers.values()):
            for subscription in list(streams):
                subscription.end()
                self.unsubscribe(subscription)

    def _consume(self):
        queue = Queue(self.queue_name, exchange=source_exchange(NotificationCreated.SOURCE),
                      routing_key=NotificationCreated.TYPE, durable=False, exclusive=True,
                      auto_delete=True)
        first = True
        while self._running:
            try:
                with Connection(self.amqp_uri, heartbeat=10) as connection, \
                        connection.Consumer(queue, callbacks=[self._on_message],
                                            accept=["json"], no_ack=True):
                    if not first:
                        self.end_all()  # events may have passed while we had no queue
                    first = False
                    while self._running:
                        try:
                            connection.drain_events(timeout=1)
                        except TimeoutError:
                            connection.heartbeat_check()
            except Exception:  # noqa: BLE001 - the hub must outlive any broker trouble
                log.warning("the live-stream hub lost the broker; reconnecting",
                            exc_info=True)
                eventlet.sleep(1)

    def _on_message(self, body, message):
        envelope = json.loads(body) if isinstance(body, str | bytes) else body
        payload = envelope.get("payload", {})
        if "citizen_id" in payload:
            self.deliver(payload["citizen_id"], payload.get("notification", {}))


def event_stream(hub: StreamHub, subscription: Subscription, replay: list[dict],
                 last_event_id: str | None = None):
    """The SSE body: what was missed, then live notifications, with heartbeats.
    Nothing the client said it has (Last-Event-ID) or was just replayed goes twice."""
    try:
        yield b"retry: 2000\n\n"
        seen = {last_event_id}
        for notification in replay:
            seen.add(notification["notification_id"])
            yield as_event(notification)
        while True:
            try:
                notification = subscription.pending.get(timeout=hub.heartbeat_seconds)
            except Empty:
                yield b": heartbeat\n\n"
                continue
            if notification is END:
                return
            if notification["notification_id"] not in seen:
                yield as_event(notification)
    finally:
        hub.unsubscribe(subscription)


def as_event(notification: dict) -> bytes:
    data = json.dumps(notification, ensure_ascii=False)
    return (f"id: {notification['notification_id']}\nevent: notification\n"
            f"data: {data}\n\n").encode()


class LiveStreams(DependencyProvider):
    """`streams = LiveStreams()`: the process's StreamHub for a worker."""

    hub = StreamHub()

    def get_dependency(self, worker_ctx):
        return self.hub
