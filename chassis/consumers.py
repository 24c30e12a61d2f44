"""How CityHub's processes take messages off their queues.

Nameko's QueueConsumer spawns a green thread for every message only to call the
entrypoint, which spawns the worker's own green thread straight away. These hand
the message over in the consumer's green thread instead.
"""

import logging
import sys
import time
from contextlib import contextmanager
from functools import partial

from nameko.messaging import QueueConsumer

log = logging.getLogger(__name__)


class InlineQueueConsumer(QueueConsumer):
    """Hands each message to its entrypoint without a green thread of its own.

    An entrypoint only checks the message and spawns its worker; when every worker
    is busy that waits for a free one, holding back the next message as the
    prefetch limit would.
    """

    # Pauses between tries to reach the broker. kombu's own grow by 2 s up to 30 s,
    # so after a long outage a service stayed deaf for up to half a minute once
    # the broker was back.
    RECONNECT_PAUSES = {"interval_start": 1, "interval_step": 1, "interval_max": 3}

    @contextmanager
    def establish_connection(self):
        with self.create_connection() as connection:
            connection.ensure_connection(self.on_connection_error, self.connect_max_retries,
                                         **self.RECONNECT_PAUSES)
            yield connection

    def handle_message(self, provider, body, message):
        try:
            provider.handle_message(body, message)
        except Exception:  # noqa: BLE001 - as when Nameko's per-message thread dies
            log.exception("an entrypoint failed to take a message")
            self.container.kill(sys.exc_info())


class ReplyQueueConsumer(InlineQueueConsumer):
    """Consumes RPC replies without acks, in the consumer's own green thread.

    Nameko acks every reply and spawns a green thread to hand it over. A reply
    lost with a broken connection is one the caller's timeout reports anyway, and
    handing it over (find the waiting call, wake it) never blocks.

    Without acks this connection sends the broker nothing while replies keep
    coming, and kombu sends heartbeats only after a second with no message: under
    steady load the broker closed it for missed heartbeats, losing the replies in
    flight. So it checks its heartbeat itself, once a second.
    """

    _live_connection = None
    _next_heartbeat_check = 0.0

    def on_consume_ready(self, connection, channel, consumers, **kwargs):
        self._live_connection = connection
        super().on_consume_ready(connection, channel, consumers, **kwargs)

    def on_iteration(self):
        super().on_iteration()
        now = time.monotonic()
        if self._live_connection is not None and now >= self._next_heartbeat_check:
            self._next_heartbeat_check = now + 1.0
            self._live_connection.heartbeat_check()

    def get_consumers(self, consumer_cls, channel):
        for provider in self._providers:
            self._consumers[provider] = consumer_cls(
                queues=[provider.queue], callbacks=[partial(self.handle_message, provider)],
                accept=self.accept, no_ack=True)
        return self._consumers.values()
