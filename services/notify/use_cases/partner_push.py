"""Partner push: a notification becomes an event in the partner's feed and a
delivery to its webhook endpoint, and the courier sends what is pending.

Each partner is sent to by one green thread of one notify process at a time (a
lease on the endpoint's row), so one partner's dead endpoint holds only its own
thread: the others go on. The rules (signing, backoff, pausing, expiry) are in
domain/webhooks.py.
"""

import json
import logging
import random
import uuid
from datetime import timedelta

from chassis import metrics
from services.notify.domain import webhooks
from services.notify.domain.webhooks import DELIVERED, EXPIRED, PAUSED
from services.notify.repository import partners

log = logging.getLogger(__name__)
# How often the pending and paused gauges are counted again (a scrape is rarer).
GAUGES_EVERY = timedelta(seconds=5)


def record_event(connection, partner_id: str, message, notification: dict,
                 push: bool) -> None:
    """Number the notification in the partner's feed and, when it is to be pushed
    (the endpoint wants it and the citizen allows it: channels.route), queue a
    delivery to the endpoint; in the transaction that stores the notification."""
    seq = partners.next_seq(connection, partner_id)
    event_id = str(uuid.uuid4())
    body = webhooks.payload(event_id, seq, message.category, message.citizen_id,
                            notification, message.created_at)
    partners.add_event(connection, {
        "partner_id": partner_id, "seq": seq, "id": event_id,
        "category": message.category, "body": json.dumps(body, ensure_ascii=False),
        "created_at": message.created_at})
    if push:
        partners.add_delivery(connection, {
            "id": str(uuid.uuid4()), "partner_id": partner_id, "seq": seq,
            "event_id": event_id, "notification_id": message.id,
            "category": message.category, "status": webhooks.PENDING,
            "attempts": 0, "created_at": message.created_at})


class Courier:
    """Finds partners with deliveries due and drains each in its own green thread.

    One per process. `send(url, body, headers)` is the HTTP adapter;
    `spawn(fn, *args)` starts a thread and `parallel(fn, items)` maps over items
    concurrently (eventlet's in the service, plain loops in tests).
    """

    def __init__(self, settings, send, spawn, parallel, rng: random.Random | None = None):
        self.settings, self.send, self.spawn, self.parallel = settings, send, spawn, parallel
        self.rng = rng or random.Random()
        self.owner = str(uuid.uuid4())  # this process, in the endpoints' leases
        self.draining: set[str] = set()
        self.gauges_read_at = None

    def dispatch(self, db, clock, open_secret) -> None:
        """Start a drain for each partner that has deliveries due and none running;
        `db` gives Core transactions, `open_secret(sealed)` unseals a secret."""
        self.db, self.clock, self.open_secret = db, clock, open_secret
        self._dispatch()

    def _dispatch(self) -> None:
        now = self.clock()
        room = self.settings.webhook_partners_at_once - len(self.draining)
        with self.db.core_read() as connection:
            due = partners.due_partners(connection, now, room + len(self.draining))
            if self.gauges_read_at is None or now - self.gauges_read_at >= GAUGES_EVERY:
                metrics.WEBHOOK_PENDING.set(partners.pending_count(connection))
                metrics.WEBHOOK_ENDPOINTS_PAUSED.set(partners.paused_count(connection))
                self.gauges_read_at = now
        for partner_id in due:
            if partner_id in self.draining or room <= 0:
                continue
            self.draining.add(partner_id)
            room -= 1
            self.spawn(self.drain, partner_id)

    def drain(self, partner_id: str) -> None:
        try:
            while self.send_batch(partner_id):
                pass
        finally:
            self.draining.discard(partner_id)
            with self.db.core_transaction() as connection:
                partners.release_lease(connection, partner_id, self.owner)

    def send_batch(self, partner_id: str) -> bool:
        """Send the next batch (one delivery while the endpoint is failing); True
        while there may be more to send now."""
        now = self.clock()
        lease = timedelta(seconds=self.settings.webhook_lease_seconds)
        with self.db.core_transaction() as connection:
            if not partners.take_lease(connection, partner_id, self.owner, now, now + lease):
                return False
            endpoint = partners.webhook(connection, partner_id)
            if endpoint.retry_at is not None and endpoint.retry_at > now:
                return False
            size = 1 if endpoint.consecutive_failures else self.settings.webhook_batch_size
            batch = partners.next_pending(connection, partner_id, size)
        if not batch:
            return False
        secret = self.open_secret(endpoint.secret_sealed)
        expired = [d for d in batch if webhooks.has_expired(d.first_attempt_at, now)]
        due = [d for d in batch if not webhooks.has_expired(d.first_attempt_at, now)]
        results = self.parallel(lambda d: (d, self._attempt(endpoint.url, secret, d)), due)
        return self._record(endpoint, expired, sorted(results, key=lambda r: r[0].seq), now)

    def _attempt(self, url: str, secret: str, delivery) -> webhooks.Outcome:
        body = delivery.body.encode()
        timestamp = int(self.clock().timestamp())
        status, error = self.send(url, body, {
            "Content-Type": "application/json",
            webhooks.SIGNATURE_HEADER: webhooks.signature(secret, timestamp, body),
            "CityHub-Event-Id": delivery.event_id,
            "CityHub-Sequence": str(delivery.seq),
            "CityHub-Delivery-Attempt": str(delivery.attempts + 1)})
        outcome = webhooks.outcome_of(status, error)
        metrics.WEBHOOK_ATTEMPTS.labels(outcome.kind).inc()
        return outcome

    def _record(self, endpoint, expired: list, results: list, now) -> bool:
        """Store each attempt, then judge the round: all taken resets the endpoint's
        failures; nothing taken is one more failure (a batch sent at once is one
        attempt of the endpoint, so 50 refused connections are not 50 failures)."""
        partner_id = endpoint.partner_id
        with self.db.core_transaction() as connection:
            for delivery in expired:
                partners.record_attempt(connection, delivery.id, {"status": EXPIRED},
                                        attempted=False)
            for delivery, outcome in results:
                values = {"last_attempt_at": now, "last_status_code": outcome.status_code,
                          "last_error": outcome.error,
                          "first_attempt_at": delivery.first_attempt_at or now}
                if outcome.delivered:
                    values |= {"status": DELIVERED, "delivered_at": now}
                elif outcome.kind == webhooks.FAILED:
                    values["status"] = webhooks.FAILED
                partners.record_attempt(connection, delivery.id, values)
            failures, retry = webhooks.after_round(
                endpoint.consecutive_failures, [outcome for _, outcome in results])
            change = {"consecutive_failures": failures, "updated_at": now, "retry_at": None}
            if webhooks.should_pause(failures):
                change |= {"status": PAUSED, "paused_at": now, "lease_owner": None,
                           "lease_until": None}
                log.error("webhook endpoint paused after consecutive failures",
                          extra={"partner_id": partner_id, "failures": failures})
            elif retry:
                change["retry_at"] = now + webhooks.wait_after(
                    failures, self.rng.uniform(0.9, 1.1))
            partners.change_webhook(connection, partner_id, **change)
        return not retry and not webhooks.should_pause(failures)
