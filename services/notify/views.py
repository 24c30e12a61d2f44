"""What notify's answers look like: moments in UTC."""

import json

from contracts.time import iso_utc
from services.notify.domain.preferences import CRITICAL_CATEGORIES, QUIET_FROM, QUIET_UNTIL


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


def webhook_view(row, pending: int) -> dict:
    """A partner's endpoint as the partner sees it (never its secret)."""
    return {
        "url": row.url,
        "categories": json.loads(row.categories),
        "status": row.status,
        "requires_subscription": row.requires_subscription,
        "consecutive_failures": row.consecutive_failures,
        "pending": pending,
        "retry_at": _moment(row.retry_at),
        "paused_at": _moment(row.paused_at),
        "created_at": iso_utc(row.created_at),
        "updated_at": iso_utc(row.updated_at),
    }


def _moment(value) -> str | None:
    return iso_utc(value) if value else None


def delivery_view(row) -> dict:
    return {
        "delivery_id": row.id,
        "event_id": row.event_id,
        "sequence": row.seq,
        "category": row.category,
        "status": row.status,
        "attempts": row.attempts,
        "last_attempt_at": _moment(row.last_attempt_at),
        "last_status_code": row.last_status_code,
        "last_error": row.last_error,
        "delivered_at": _moment(row.delivered_at),
        "created_at": iso_utc(row.created_at),
    }


def preferences_view(chosen: dict) -> dict:
    return {"categories": chosen, "critical_categories": list(CRITICAL_CATEGORIES),
            "quiet_hours": {"from": QUIET_FROM.strftime("%H:%M"),
                            "until": QUIET_UNTIL.strftime("%H:%M"),
                            "time_zone": "Asia/Shanghai", "applies_to": ["sms"]}}


def subscription_view(row) -> dict:
    return {"template_id": row.template_id, "one_time_credits": row.one_time_credits,
            "long_term": row.long_term, "updated_at": iso_utc(row.updated_at)}
