"""Publishing to RabbitMQ with publisher confirms and `mandatory`.

A publish returns only once the broker has confirmed it; a message the broker
cannot route is reported instead of being dropped silently. A batch is
published in one go and its confirms awaited together.
"""

import json
import logging
from typing import NamedTuple

import amqp
from eventlet.patcher import original
from eventlet.semaphore import Semaphore
from kombu import Connection

from chassis.settings import amqp_addresses

log = logging.getLogger(__name__)
# The real select module: a poll that never waits needs no green thread switch.
_select = original("select")


# How long a publish waits for the broker's confirm before giving the connection up.
CONFIRM_TIMEOUT_SECONDS = 10.0


class PublishFailed(Exception):
    pass


def connect(amqp_uri: str, heartbeat: int = 10) -> Connection:
    # Confirms are selected on the channel (Publisher._ensure), so that a batch's
    # confirms can be awaited together rather than one per publish.
    return Connection(amqp_uri, heartbeat=heartbeat)


class Outgoing(NamedTuple):
    """One message for `Publisher.publish_many`."""

    body: str | bytes | dict
    exchange: str
    routing_key: str
    message_id: str | None = None
    headers: dict | None = None


class Publisher:
    """One channel, shared by the green threads of one process.

    With `confirms` (the default) every message is `mandatory` and a publish
    returns only once the broker has confirmed it. Without, it is a plain
    fire-and-forget publish: only for messages whose loss the receiver notices
    anyway (RPC replies).
    """

    def __init__(self, amqp_uri: str, confirms: bool = True,
                 confirm_timeout: float = CONFIRM_TIMEOUT_SECONDS):
        self.amqp_uri = amqp_uri
        self.confirms = confirms
        self.confirm_timeout = confirm_timeout
        self._connection = None
        self._channel = None
        # A kombu channel is not safe for concurrent green threads.
        self._lock = Semaphore(1)
        # Publisher confirms, tracked by delivery tag (the channel numbers its
        # publishes 1, 2, 3 ... from confirm.select).
        self._published = 0
        self._acked: set[int] = set()
        self._acked_upto = 0
        self._nacked: set[int] = set()
        self._returned: dict[str | None, str] = {}

    def _ensure(self):
        if self._connection is None or not self._connection.connected:
            self.close()
            # No heartbeats: a publish-only connection has no loop to send them,
            # so the broker would close it when idle. A dead connection shows
            # itself on the next publish, which reconnects.
            self._connection = connect(self.amqp_uri, 0)
            # Once round every node (a dead one refuses at once), no more: the caller
            # decides whether to wait.
            self._connection.ensure_connection(max_retries=len(amqp_addresses(self.amqp_uri)))
            # The py-amqp channel itself: kombu's Producer adds a measurable
            # share of CPU per message on the hot path and nothing we use.
            self._channel = self._connection.channel()
            # py-amqp reads the socket before every publish in case the broker has
            # said it is blocking publishers (a memory or disk alarm); we set no
            # handler for that notice, so the read only cost a fifth of a publish.
            # A blocked broker still holds our publishes back, through TCP.
            capabilities = self._connection.connection.client_properties.get("capabilities")
            if capabilities:
                capabilities["connection.blocked"] = False
            if self.confirms:
                self._channel.events["basic_ack"].add(self._on_ack)
                self._channel.events["basic_nack"].add(self._on_nack)
                self._channel.events["basic_return"].add(self._on_return)
                self._channel.confirm_select()
                self._published = self._acked_upto = 0
                self._acked, self._nacked, self._returned = set(), set(), {}

    def publish(self, body, *, exchange: str, routing_key: str, headers: dict | None = None,
                message_id: str | None = None, expiration: float | None = None,
                correlation_id: str | None = None, reply_to: str | None = None) -> None:
        """Publish one message (confirmed, with `confirms`); PublishFailed if it was not."""
        message = _message(body, self.confirms, headers=headers, message_id=message_id,
                           expiration=expiration, correlation_id=correlation_id,
                           reply_to=reply_to)
        with self._lock:
            if not self.confirms:
                self._send_retrying_once(message, exchange, routing_key)
                return
            failures = self._publish_confirmed([(message, exchange, routing_key)])
        if failures[0] is not None:
            raise PublishFailed(failures[0])

    def publish_many(self, messages: list[Outgoing]) -> list[str | None]:
        """Publish all, then wait for all their confirms at once: one round trip, not one
        per message. Returns, per message, None if the broker took it, else why not.

        A broken connection is retried once on a new one, which may duplicate a
        message whose confirm was lost (consumers are idempotent); PublishFailed if
        that fails too.
        """
        prepared = [(_message(m.body, True, headers=m.headers, message_id=m.message_id),
                     m.exchange, m.routing_key) for m in messages]
        with self._lock:
            return self._publish_confirmed(prepared)

    def _publish_confirmed(self, prepared) -> list[str | None]:
        for attempt in (1, 2):
            try:
                self._ensure()
                first = self._published + 1
                for message, exchange, routing_key in prepared:
                    self._channel.basic_publish(message, exchange=exchange,
                                                routing_key=routing_key, mandatory=True)
                    self._published += 1
                last = self._published
                while not self._all_confirmed(first, last):
                    self._connection.drain_events(timeout=self.confirm_timeout)
                break
            except Exception as exc:
                # Broken connection (say, the broker restarted since the last
                # publish), channel error or no confirm in time: start clean, and
                # try once more on a new connection.
                self.close()
                if attempt == 2:
                    raise PublishFailed(f"{type(exc).__name__}: {exc}") from exc
        outcomes = []
        for tag, (message, _, routing_key) in enumerate(prepared, start=first):
            if tag in self._nacked:
                outcomes.append("the broker refused the message (nack)")
            elif message.properties.get("message_id") in self._returned:
                reason = self._returned[message.properties.get("message_id")]
                outcomes.append(f"no queue is bound for {routing_key!r}: {reason}")
            else:
                outcomes.append(None)
        self._forget(last)
        return outcomes

    def _send_retrying_once(self, message, exchange, routing_key):
        """Without confirms: on a broken connection, reconnect and send once more."""
        for attempt in (1, 2):
            try:
                if self._connection is not None and self._broker_has_spoken():
                    self.close()
                self._ensure()
                self._channel.basic_publish(message, exchange=exchange,
                                            routing_key=routing_key)
                return
            except Exception as exc:
                self.close()
                if attempt == 2:
                    raise PublishFailed(f"{type(exc).__name__}: {exc}") from exc

    def _broker_has_spoken(self) -> bool:
        """Has anything arrived on this publish-only connection?

        Nothing should: without confirms the broker only speaks to close the
        channel or the connection (or the socket reaches its end). RabbitMQ then
        ignores every frame until its close timeout, tens of seconds, so a
        publish sent without looking would be lost without a word.
        """
        poller = _select.poll()
        poller.register(self._connection.connection.sock, _select.POLLIN)
        return bool(poller.poll(0))

    def _all_confirmed(self, first: int, last: int) -> bool:
        return all(tag <= self._acked_upto or tag in self._acked or tag in self._nacked
                   for tag in range(first, last + 1))

    def _on_ack(self, delivery_tag, multiple):
        if multiple:
            self._acked_upto = max(self._acked_upto, delivery_tag)
        else:
            self._acked.add(delivery_tag)

    def _on_nack(self, delivery_tag, multiple):
        first = self._acked_upto + 1 if multiple else delivery_tag
        self._nacked.update(range(first, delivery_tag + 1))
        if multiple:
            self._acked_upto = max(self._acked_upto, delivery_tag)

    def _on_return(self, exc, exchange, routing_key, message):
        # A return comes before the confirm of the same message; only the message
        # itself says which one it was.
        self._returned[message.properties.get("message_id")] = str(exc)

    def _forget(self, last: int):
        self._acked_upto = max(self._acked_upto, last)
        self._acked = {tag for tag in self._acked if tag > last}
        self._nacked = {tag for tag in self._nacked if tag > last}
        self._returned.clear()

    def close(self):
        if self._connection is not None:
            try:
                self._connection.release()
            except Exception:  # noqa: BLE001 - closing a broken connection may fail
                log.debug("closing a broken AMQP connection failed", exc_info=True)
        self._connection = None
        self._channel = None


def _message(body, durable: bool, *, headers=None, message_id=None, expiration=None,
             correlation_id=None, reply_to=None) -> amqp.Message:
    payload = body if isinstance(body, str | bytes) else json.dumps(body)
    properties = {"content_type": "application/json", "content_encoding": "utf-8",
                  "delivery_mode": 2 if durable else 1,
                  "application_headers": headers or {}}
    for name, value in (("message_id", message_id), ("correlation_id", correlation_id),
                        ("reply_to", reply_to)):
        if value is not None:
            properties[name] = value
    if expiration is not None:
        properties["expiration"] = str(int(expiration * 1000))
    return amqp.Message(payload, **properties)
