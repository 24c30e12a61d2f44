"""Live notification streams (Server-Sent Events) for the citizens connected here.

Each gateway process has a queue of its own, gone with the process, bound to notify's
`notification.created.<citizen_id>` for exactly the citizens with a stream open on
it: a citizen connected to any gateway gets every notification however many gateways
run, and a gateway with no streams receives nothing. The binding is made before the
stream's replay is read, so nothing falls between the two. The hub hands each event
to the streams of its citizen without waiting: a stream whose client does not keep up
is ended (it reconnects with Last-Event-ID and the inbox replays what it missed), so
a slow or dead client never slows delivery to the others. After a broker outage the
queue and its bindings may be gone with events in between, so the hub ends every
stream the same way.
"""

import json
import logging
import uuid
from collections import defaultdict

import eventlet
from eventlet.queue import Empty, Full, LightQueue
from eventlet.semaphore import Semaphore
from kombu import Connection, Queue
from nameko.extensions import DependencyProvider, SharedExtension

from chassis.settings import settings_of
from chassis.topology import bound_only, ensure_exchanges, source_exchange
from contracts.events import NotificationCreated

log = logging.getLogger(__name__)

PENDING_PER_STREAM = 100  # events a client may fall behind before its stream is ended
# A hub's queue outlives a lost connection by this long (ms), so a reconnecting hub
# finds it with what arrived meanwhile; a dead gateway's queue goes by itself.
QUEUE_EXPIRES_MS = 60_000
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
    source = NotificationCreated.SOURCE  # the events it binds to (cityhub.broker_users)

    def setup(self):
        settings = settings_of(self.container)
        self.amqp_uri = settings.amqp_uri
        self.heartbeat_seconds = settings.stream_heartbeat_seconds
        self.amqp_heartbeat = settings.amqp_heartbeat
        self.queue = Queue(f"gateway.streams.{uuid.uuid4().hex}",
                           exchange=bound_only(source_exchange(self.source)),
                           durable=False, auto_delete=True,
                           queue_arguments={"x-expires": QUEUE_EXPIRES_MS}, no_declare=False)
        self.subscribers: dict[str, set[Subscription]] = defaultdict(set)
        self._bindings = Semaphore()  # one bind or unbind at a time
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
        """A subscription to the citizen's notifications from now on (bound on return)."""
        subscription = Subscription(citizen_id)
        with self._bindings:
            if not self.subscribers.get(citizen_id):
                self._bind([citizen_id], bind=True)
            self.subscribers[citizen_id].add(subscription)
        return subscription

    def unsubscribe(self, subscription: Subscription) -> None:
        with self._bindings:
            streams = self.subscribers.get(subscription.citizen_id)
            if streams is None or subscription not in streams:
                return
            streams.discard(subscription)
            if not streams:
                del self.subscribers[subscription.citizen_id]
                self._unbind([subscription.citizen_id])

    def _bind(self, citizen_ids, bind: bool) -> None:
        # Its own short connection: the consuming one is busy draining events.
        with Connection(self.amqp_uri, connect_timeout=3) as connection:
            queue = self.queue.bind(connection.default_channel)
            queue.declare()
            for citizen_id in citizen_ids:
                key = NotificationCreated.binding_key(citizen_id)
                if bind:
                    queue.bind_to(exchange=self.queue.exchange, routing_key=key)
                else:
                    queue.unbind_from(exchange=self.queue.exchange, routing_key=key)

    def _unbind(self, citizen_ids) -> None:
        try:
            self._bind(citizen_ids, bind=False)
        except Exception:  # noqa: BLE001 - a stale binding only costs a message
            log.warning("could not unbind closed live streams", exc_info=True)

    def deliver(self, citizen_id: str, notification: dict) -> None:
        for subscription in list(self.subscribers.get(citizen_id, ())):
            if not subscription.offer(notification):
                log.warning("a live stream fell behind and was ended")
                subscription.end()
                self.unsubscribe(subscription)

    def end_all(self) -> None:
        """End every stream, unbinding all their citizens over one connection."""
        with self._bindings:
            ended, self.subscribers = self.subscribers, defaultdict(set)
            for streams in ended.values():
                for subscription in streams:
                    subscription.end()
            if ended:
                self._unbind(list(ended))

    def _consume(self):
        queue = self.queue
        first = True
        while self._running:
            try:
                with Connection(self.amqp_uri, heartbeat=self.amqp_heartbeat) as connection:
                    ensure_exchanges(connection, [queue])
                    with connection.Consumer(queue, on_message=self._on_message, no_ack=True):
                        if not first:
                            self.end_all()  # events may have passed while we had no queue
                        first = False
                        while self._running:
                            try:
                                connection.drain_events(timeout=1)
                            except TimeoutError:
                                pass
                            # After every wake, not only when idle: a consumer that never
                            # acks sends nothing else, and under a steady flow of events
                            # drain_events never times out, so the broker closed the
                            # connection for missed heartbeats (ending every stream)
                            # about every 20 seconds at 100 events/s.
                            connection.heartbeat_check()
            except Exception:  # noqa: BLE001 - the hub must outlive any broker trouble
                log.warning("the live-stream hub lost the broker; reconnecting",
                            exc_info=True)
                eventlet.sleep(1)

    def _on_message(self, message):
        payload = json.loads(message.body).get("payload", {})
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
