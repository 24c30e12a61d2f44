"""Scheduled sends: a notification at a time, under a key its caller chose.

The key names the send for its whole life (an appointment reminder:
`appointment:ID:reminder`): scheduling it again moves it, cancelling it stops it.
A send and its cancellation are one state change each from `scheduled`, so a send
after its cancellation never goes out, whatever the timing.
"""

import re
import uuid
from datetime import datetime

from contracts.errors import Conflict, InvalidInput

SCHEDULED, SENT, CANCELLED = "scheduled", "sent", "cancelled"
KEY = re.compile(r"^[A-Za-z0-9_.:-]{1,128}$")
# Names the notification a scheduled send became, in the inbox's event_id column.
_SCHEDULED_SENDS = uuid.UUID("0b7d1f2e-6d33-4f0a-9a51-6a1c0c6f3e10")


def check_key(key) -> str:
    if not isinstance(key, str) or not KEY.match(key):
        raise InvalidInput("key must be 1-128 characters of A-Z a-z 0-9 _ . : -",
                           field="key")
    return key


def check_send_at(send_at) -> datetime:
    """An aware moment in ISO 8601 (with its offset)."""
    try:
        moment = datetime.fromisoformat(send_at)
    except (TypeError, ValueError):
        moment = None
    if moment is None or moment.tzinfo is None:
        raise InvalidInput("send_at must be an ISO 8601 moment with its offset",
                           field="send_at")
    return moment


def check_still_scheduled(key: str, status: str | None) -> None:
    """Only a send that has not happened or been cancelled can be scheduled again."""
    if status not in (None, SCHEDULED):
        raise Conflict(f"the send {key} was already {status}", field="key",
                       code=f"already_{status}")


def event_id_of(key: str) -> str:
    return str(uuid.uuid5(_SCHEDULED_SENDS, key))
