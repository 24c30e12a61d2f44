"""Publishing to RabbitMQ with publisher confirms and `mandatory`.

A publish returns only once the broker has confirmed it; a message the broker
cannot route raises instead of being dropped silently.
"""

import json
import logging

import amqp
import amqp.exceptions
from eventlet.semaphore import Semaphore
from kombu import Connection

log = logging.getLogger(__name__)


class PublishFailed(Exception):
    pass


def connect(amqp_uri: str, heartbeat: int = 10, confirms: bool = True) -> Connection:
    return Connection(amqp_uri, heartbeat=heartbeat,
                      transport_options={"confirm_publish": confirms})


class Publisher:
    """One channel, shared by the green threads of one process.

    With `confirms` (the default) every publish waits for the broker's confirm
    and is `mandatory`. Without, it is a plain fire-and-forget publish: only for
    messages whose loss the receiver notices anyway (RPC replies).
    """

    def __init__(self, amqp_uri: str, confirms: bool = True):
        self.amqp_uri = amqp_uri
        self.confirms = confirms
        self._connection = None
        self._channel = None
        # A kombu channel is not safe for concurrent green threads.
        self._lock = Semaphore(1)

    def _ensure(self):
        if self._connection is None or not self._connection.connected:
            self.close()
            # No heartbeats: a publish-only connection has no loop to send them,
            # so the broker would close it when idle. A dead connection shows
            # itself on the next publish, which reconnects.
            self._connection = connect(self.amqp_uri, 0, self.confirms)
            self._connection.ensure_connection(max_retries=1)
            # The py-amqp channel itself: kombu's Producer adds a measurable
            # share of CPU per message on the hot path and nothing we use.
            self._channel = self._connection.channel()

    def publish(self, body, *, exchange: str, routing_key: str, headers: dict | None = None,
                message_id: str | None = None, expiration: float | None = None,
                correlation_id: str | None = None, reply_to: str | None = None) -> None:
        """Publish once; on a broken connection, reconnect and try once more.

        A second try may duplicate a message whose confirm was lost: consumers
        are idempotent, and a duplicate RPC reply is ignored by the caller.
        """
        payload = body if isinstance(body, str | bytes) else json.dumps(body)
        properties = {"content_type": "application/json", "content_encoding": "utf-8",
                      "delivery_mode": 2 if self.confirms else 1,
                      "application_headers": headers or {}}
        for name, value in (("message_id", message_id), ("correlation_id", correlation_id),
                            ("reply_to", reply_to)):
            if value is not None:
                properties[name] = value
        if expiration is not None:
            properties["expiration"] = str(int(expiration * 1000))
        message = amqp.Message(payload, **properties)
        with self._lock:
            for attempt in (1, 2):
                try:
                    self._ensure()
                    # With confirms on, py-amqp waits here for the broker's ack,
                    # and raises if the message came back unroutable.
                    self._channel.basic_publish(message, exchange=exchange,
                                                routing_key=routing_key,
                                                mandatory=self.confirms)
                    return
                except (ConnectionError, OSError, amqp.exceptions.ConnectionError) as exc:
                    # Drop the broken connection; the next attempt starts clean.
                    self.close()
                    if attempt == 2:
                        raise PublishFailed(f"{type(exc).__name__}: {exc}") from exc
                except Exception as exc:
                    # A return (no route) or a channel error: not worth a retry.
                    self.close()
                    raise PublishFailed(f"{type(exc).__name__}: {exc}") from exc

    def close(self):
        if self._connection is not None:
            try:
                self._connection.release()
            except Exception:  # noqa: BLE001 - closing a broken connection may fail
                log.debug("closing a broken AMQP connection failed", exc_info=True)
        self._connection = None
        self._channel = None

