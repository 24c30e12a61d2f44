"""The in-app inbox as partners read it: pages behind signed cursors, what a live
stream missed, one notification with its channels, marking read; and what the
citizen chose: channel preferences and mini-program subscriptions."""

from contracts.errors import InvalidInput, NotFound
from services.notify import repository
from services.notify.domain.inbox import MAX_PAGE, check_limit, make_cursor, read_cursor
from services.notify.domain.preferences import check_changes, effective
from services.notify.domain.subscriptions import LONG_TERM, check_acceptance
from services.notify.repository import channels as channel_store
from services.notify.use_cases.channels import channel_views
from services.notify.views import notification_view, preferences_view, subscription_view


def page(db, cursor_key: bytes, citizen_id: str, limit: int, cursor: str | None) -> dict:
    """A page of the inbox, newest first, with the cursor of the next page."""
    check_limit(limit)
    after = read_cursor(cursor_key, citizen_id, cursor) if cursor else None
    with db.core_read() as connection:
        rows = repository.page(connection, citizen_id, limit + 1, after)
        unread = repository.unread_count(connection, citizen_id)
    more = len(rows) > limit
    rows = rows[:limit]
    return {"items": [notification_view(row) for row in rows], "unread_count": unread,
            "next_cursor": make_cursor(cursor_key, citizen_id, rows[-1].seq) if more else None}


def unread(db, citizen_id: str) -> int:
    with db.core_read() as connection:
        return repository.unread_count(connection, citizen_id)


def since(db, citizen_id: str, notification_id: str) -> list[dict]:
    """What came after `notification_id` (a live stream's Last-Event-ID), oldest first."""
    with db.core_read() as connection:
        seq = repository.seq_of(connection, citizen_id, notification_id)
        if seq is None:
            raise InvalidInput("Last-Event-ID names no notification of this citizen",
                               field="Last-Event-ID", code="invalid_last_event_id")
        rows = repository.newer_than(connection, citizen_id, seq, MAX_PAGE)
    return [notification_view(row) for row in rows]


def detail(db, citizen_id: str, notification_id: str) -> dict:
    """One notification with each channel it went out on, and their statuses."""
    with db.core_read() as connection:
        row = repository.one(connection, citizen_id, notification_id)
        if row is None:
            raise _not_found()
        return notification_view(row) | {"channels": channel_views(connection, row.id)}


def mark_read(db, citizen_id: str, notification_id: str, now) -> dict:
    with db.core_transaction() as connection:
        repository.mark_read(connection, citizen_id, notification_id, now)
        row = repository.one(connection, citizen_id, notification_id)
    if row is None:
        raise _not_found()
    return notification_view(row)


def mark_all_read(db, citizen_id: str, now) -> dict:
    with db.core_transaction() as connection:
        marked = repository.mark_all_read(connection, citizen_id, now)
    return {"marked": marked, "unread_count": 0}


def preferences(db, citizen_id: str) -> dict:
    with db.core_read() as connection:
        return preferences_view(effective(channel_store.preferences(connection, citizen_id)))


def change_preferences(db, citizen_id: str, changes, now) -> dict:
    """Change some categories' channels; the others keep what they had."""
    checked = check_changes(changes)
    with db.core_transaction() as connection:
        for category, channel, enabled in checked:
            channel_store.set_preference(connection, citizen_id, category, channel, enabled,
                                         now)
        return preferences_view(effective(channel_store.preferences(connection, citizen_id)))


def accept_subscription(db, citizen_id: str, template, kind, now) -> dict:
    """One more one-time credit for the template, or its long-term consent:
    {"subscription": ..., "created": bool} (created: the first acceptance of it)."""
    kind = check_acceptance(kind, template)
    with db.core_transaction() as connection:
        created = channel_store.accept_subscription(connection, citizen_id, template.id,
                                                    kind == LONG_TERM, now)
        rows = channel_store.subscriptions(connection, citizen_id)
    return {"subscription": next(subscription_view(row) for row in rows
                                 if row.template_id == template.id), "created": created}


def withdraw_subscription(db, citizen_id: str, template_id: str) -> None:
    """The citizen withdrew: no more pushes of the template, credits or long-term
    (withdrawing twice is not an error)."""
    with db.core_transaction() as connection:
        channel_store.withdraw_subscription(connection, citizen_id, template_id)


def subscriptions(db, citizen_id: str) -> dict:
    with db.core_read() as connection:
        return {"items": [subscription_view(row)
                          for row in channel_store.subscriptions(connection, citizen_id)]}


def _not_found() -> NotFound:
    return NotFound("no such notification", field="notification_id",
                    code="notification_not_found")
