"""What notify's answers look like: moments in UTC."""

from contracts.time import iso_utc


def notification_view(row) -> dict:
    """The API view of a stored notification (a row with the inbox's columns)."""
    return {
        "notification_id": row.id,
        "category": row.category,
        "template_id": row.template_id,
        "template_version": row.template_version,
        "locale": row.locale,
        "title": row.title,
        "body": row.body,
        "action": ({"type": row.action_type, "id": row.action_id} if row.action_type
                   else None),
        "read": row.read_at is not None,
        "created_at": iso_utc(row.created_at),
    }
