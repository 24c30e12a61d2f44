"""A partner's webhook endpoint: register it, change it, pause or re-enable it,
see its deliveries, ask for one again, and read the feed of its events.

`db` gives Core transactions (notify's unit of work); `seal`/`open` keep the
signing secret sealed at rest.
"""

import json

from contracts.errors import Conflict, InvalidInput, NotFound
from services.notify.domain import webhooks
from services.notify.domain.inbox import check_limit, make_cursor, read_cursor
from services.notify.domain.webhooks import ACTIVE, PAUSED
from services.notify.repository import partners
from services.notify.views import delivery_view, webhook_view

SECRET_CONTEXT = "partner_webhook.secret"


def put(db, partner_id: str, url: str, categories: list, enabled: bool, now, seal,
        requires_subscription: bool = False):
    """Register the endpoint (the answer carries its secret, this once) or change it;
    `enabled` re-enables a paused endpoint, from where its deliveries stopped."""
    categories = webhooks.check_categories(categories)
    with db.core_transaction() as connection:
        existing = partners.webhook(connection, partner_id)
        status = ACTIVE if enabled else PAUSED
        secret = None
        if existing is None:
            secret = webhooks.new_secret()
            made = partners.add_webhook(connection, {
                "partner_id": partner_id, "url": url, "categories": json.dumps(categories),
                "secret_sealed": seal(secret, SECRET_CONTEXT), "status": status,
                "requires_subscription": requires_subscription,
                "consecutive_failures": 0, "paused_at": None if enabled else now,
                "created_at": now, "updated_at": now})
            if not made:  # a twin first PUT made it meanwhile: this one changes it
                secret, existing = None, partners.webhook(connection, partner_id)
        if secret is None:
            change = {"url": url, "categories": json.dumps(categories), "updated_at": now,
                      "requires_subscription": requires_subscription}
            if enabled and existing.status == PAUSED:
                change |= {"status": ACTIVE, "consecutive_failures": 0, "retry_at": None,
                           "paused_at": None}
                partners.restart_pending(connection, partner_id)
            elif not enabled and existing.status == ACTIVE:
                change |= {"status": PAUSED, "paused_at": now}
            partners.change_webhook(connection, partner_id, **change)
        view = _view(connection, partner_id)
    return view, secret


def get(db, partner_id: str) -> dict:
    with db.core_read() as connection:
        return _view(connection, partner_id)


def remove(db, partner_id: str) -> None:
    """Deleting twice is not an error; what was pending is cancelled."""
    with db.core_transaction() as connection:
        partners.remove_webhook(connection, partner_id)


def deliveries(db, cursor_key: bytes, partner_id: str, status, limit, cursor) -> dict:
    check_limit(limit)
    if status is not None and status not in webhooks.DELIVERY_STATUSES:
        raise InvalidInput(f"status must be one of {', '.join(webhooks.DELIVERY_STATUSES)}",
                           field="status")
    before = read_cursor(cursor_key, partner_id, cursor) if cursor else None
    with db.core_read() as connection:
        rows = partners.deliveries(connection, partner_id, limit + 1, status, before)
    more = len(rows) > limit
    rows = rows[:limit]
    return {"items": [delivery_view(row) for row in rows],
            "next_cursor": make_cursor(cursor_key, partner_id, rows[-1].seq) if more else None}


def retry(db, partner_id: str, delivery_id: str, now) -> dict:
    """Send one delivery again, whatever became of it, as soon as the endpoint takes
    deliveries (its wait after a failure is cut short)."""
    with db.core_transaction() as connection:
        endpoint = partners.webhook(connection, partner_id)
        row = partners.delivery(connection, partner_id, delivery_id)
        if row is None or endpoint is None:
            raise NotFound("no such delivery", field="delivery_id", code="delivery_not_found")
        if endpoint.status == PAUSED:
            raise Conflict("the endpoint is paused: re-enable it with PUT /v1/partner/webhook "
                           "first", field="delivery_id", code="webhook_paused")
        partners.requeue(connection, partner_id, delivery_id)
        partners.change_webhook(connection, partner_id, retry_at=None, updated_at=now)
        row = partners.delivery(connection, partner_id, delivery_id)
    return delivery_view(row)


def events(db, cursor_key: bytes, partner_id: str, after, limit) -> dict:
    """The partner's events in order, after a cursor this gave (from the first
    without one); `next_cursor` is where to go on from, also when nothing came."""
    check_limit(limit)
    after_seq = read_cursor(cursor_key, partner_id, after, field="after") if after else 0
    with db.core_read() as connection:
        rows = partners.events_after(connection, partner_id, after_seq, limit)
    last = rows[-1].seq if rows else after_seq
    return {"items": [json.loads(row.body) for row in rows],
            "next_cursor": make_cursor(cursor_key, partner_id, last)}


def _view(connection, partner_id: str) -> dict:
    row = partners.webhook(connection, partner_id)
    if row is None:
        raise NotFound("this partner has no webhook endpoint", code="webhook_not_found")
    return webhook_view(row, partners.pending_count(connection, partner_id))
