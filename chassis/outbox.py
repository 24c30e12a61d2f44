"""The outbox relay: publishes committed events, marks them sent, retries the rest.

It runs as a green thread inside each service process. A commit that wrote
events wakes it at once; otherwise it polls, so rows left by a crash, by a
broker outage or by another process are still published.
"""

import logging
from datetime import UTC, datetime
from functools import cache

import eventlet
from eventlet.event import Event
from sqlalchemy import bindparam, func, select, update

from chassis import metrics
from chassis.broker import Outgoing, Publisher, PublishFailed

log = logging.getLogger(__name__)

MAX_BACKOFF_SECONDS = 10.0
BATCH = 100
COALESCE_SECONDS = 0.05


class OutboxRelay:
    def __init__(self, engine, outbox_model, settings, service_name: str):
        # Core connections, not ORM sessions: the relay runs once per batch of
        # events and only needs a select and an update.
        self.engine = engine
        self.outbox = outbox_model
        self.poll_seconds = settings.outbox_poll_seconds
        self.service_name = service_name
        self.publisher = Publisher(settings.amqp_uri)
        self._wakeup = Event()
        self._running = True
        self._mark_sent = (update(outbox_model)
                           .where(outbox_model.id.in_(bindparam("ids", expanding=True)))
                           .values(sent_at=bindparam("now")))

    def wake(self):
        if not self._wakeup.ready():
            self._wakeup.send(True)

    def stop(self):
        self._running = False
        self.wake()
        self.publisher.close()

    def run(self):
        backoff = 0.0
        while self._running:
            try:
                sent = self.relay_once()
                backoff = 0.0
                if sent == BATCH:
                    continue  # a full batch: there may be more waiting
            except PublishFailed as exc:
                backoff = min(MAX_BACKOFF_SECONDS, backoff * 2 or 0.2)
                log.warning("outbox relay could not publish; retrying",
                            extra={"error": str(exc), "retry_in": backoff})
            except Exception:  # noqa: BLE001 - the relay must outlive any one failure
                backoff = min(MAX_BACKOFF_SECONDS, backoff * 2 or 0.2)
                log.exception("outbox relay failed; retrying")
            if backoff:
                eventlet.sleep(backoff)  # commits do not cut a backoff short
            else:
                self._wait_for_work()

    def _wait_for_work(self):
        woken = False
        with eventlet.Timeout(self.poll_seconds, False):
            self._wakeup.wait()
            woken = True
        if woken:
            # Let the commits of the next 50 milliseconds join this batch: under
            # load that is one relay cycle (query, publish, update) per dozen
            # events instead of one per event, for 50 ms of event latency (the
            # relay was a quarter of identity's CPU with 20 ms at 100/s).
            eventlet.sleep(COALESCE_SECONDS)
        self._wakeup = Event()

    def relay_once(self, batch: int = BATCH) -> int:
        """Publish up to `batch` pending events; return how many were sent."""
        failure = None
        outbox = self.outbox
        with self.engine.begin() as connection:
            rows = pending_outbox(connection, outbox, batch)
            if not rows:
                metrics.OUTBOX_PENDING.labels(self.service_name).set(0)
                return 0
            try:
                # All at once, confirms awaited together: a batch costs one round trip.
                outcomes = self.publisher.publish_many([
                    Outgoing(row.body, row.exchange, row.routing_key, message_id=row.event_id,
                             headers={"nameko.request_id": row.correlation_id or ""})
                    for row in rows])
            except PublishFailed as exc:
                # The connection or channel failed (a missing exchange closes the
                # channel): none counts as sent; all are tried again.
                outcomes = [str(exc)] * len(rows)
            sent = [row for row, error in zip(rows, outcomes, strict=True) if error is None]
            sent_ids = [row.id for row in sent]
            for row, error in zip(rows, outcomes, strict=True):
                if error is not None:
                    connection.execute(update(outbox).where(outbox.id == row.id).values(
                        attempts=outbox.attempts + 1, last_error=error[:500]))
                    metrics.OUTBOX_PUBLISH_FAILURES.labels(self.service_name).inc()
                    failure = PublishFailed(error)
            if sent_ids:
                connection.execute(self._mark_sent, {"ids": sent_ids, "now": datetime.now(UTC)})
                for row in sent:
                    metrics.EVENTS_PUBLISHED.labels(self.service_name, row.routing_key).inc()
            if failure is not None:
                self._report_pending(connection)
            elif len(rows) < batch:
                # Every pending row was in this batch, so no count query is needed.
                metrics.OUTBOX_PENDING.labels(self.service_name).set(0)
        # The rows that went out are committed as sent before the failure is raised.
        if failure is not None:
            raise failure
        return len(sent_ids)

    def _report_pending(self, connection):
        count = connection.scalar(select(func.count()).select_from(self.outbox)
                               .where(self.outbox.sent_at.is_(None)))
        metrics.OUTBOX_PENDING.labels(self.service_name).set(count)


def pending_outbox(connection, outbox_model, limit: int = 100):
    """Unsent events, oldest first, as plain rows (no ORM identity-map cost)."""
    query = _pending_query(outbox_model, connection.dialect.name)
    return list(connection.execute(query, {"limit": limit}))


@cache
def _pending_query(outbox_model, dialect: str):
    # Built once per outbox: the relay runs this for every batch.
    o = outbox_model.__table__.c
    query = (select(o.id, o.event_id, o.exchange, o.routing_key, o.body, o.correlation_id)
             .where(o.sent_at.is_(None)).order_by(o.id).limit(bindparam("limit")))
    if dialect == "postgresql":
        # Two relays (two replicas of a service) never take the same rows.
        query = query.with_for_update(skip_locked=True)
    return query
