"""What notify's answers look like: moments in UTC."""

from contracts.time import iso_utc


def notification_view(notification) -> dict:
    """The API view of a stored notification (a row or an object with these fields)."""
    return {
        "notification_id": notification.id,
        "kind": notification.kind,
        "locale": notification.locale,
        "title": notification.title,
        "body": notification.body,
        "created_at": iso_utc(notification.created_at),
    }
