"""Pages of the in-app inbox, newest first, behind an opaque cursor.

A cursor names where the next page starts (the sequence number of the last item
shown) and is signed, so a partner cannot forge one to read past another
citizen's boundary or jump anywhere: a changed cursor is refused, not guessed at.
"""

import base64
import hashlib
import hmac
import uuid
from dataclasses import dataclass
from datetime import datetime

from contracts.errors import InvalidInput

DEFAULT_PAGE = 20
MAX_PAGE = 100


def check_limit(limit) -> int:
    if not isinstance(limit, int) or isinstance(limit, bool) or not 1 <= limit <= MAX_PAGE:
        raise InvalidInput(f"limit must be 1 to {MAX_PAGE}", field="limit")
    return limit


def make_cursor(key: bytes, owner: str, after_seq: int) -> str:
    """The cursor of the page after the item numbered `after_seq`, good only for
    `owner` (the citizen of an inbox, the partner of a feed)."""
    position = str(after_seq).encode()
    mac = hmac.new(key, owner.encode() + b":" + position, hashlib.sha256).digest()[:12]
    return base64.urlsafe_b64encode(position + b"." + mac).decode().rstrip("=")


def read_cursor(key: bytes, owner: str, cursor: str, field: str = "cursor") -> int:
    """The sequence number a cursor continues after; InvalidInput (naming `field`,
    the query parameter it came in) if it was changed or is another owner's."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        position, _, _ = raw.partition(b".")
        after_seq = int(position.decode("ascii"))
    except (ValueError, UnicodeDecodeError):
        raise invalid_cursor(field) from None
    if not hmac.compare_digest(make_cursor(key, owner, after_seq), cursor.rstrip("=")):
        raise invalid_cursor(field)
    return after_seq


def invalid_cursor(field: str = "cursor") -> InvalidInput:
    return InvalidInput(f"the {field} is not a cursor this API gave you for this list",
                        field=field, code="invalid_cursor")


@dataclass(frozen=True)
class Message:
    """A notification about to be stored in a citizen's inbox."""

    id: str
    citizen_id: str
    template_id: str
    template_version: int
    category: str
    locale: str
    title: str
    body: str
    action_type: str | None
    action_id: str | None
    event_id: str
    created_at: datetime
    read_at: datetime | None = None


def inbox_message(template, values: dict, action: dict | None, citizen_id: str,
                  locale: str, event_id: str, now: datetime) -> Message:
    """The inbox variant of `template` for this citizen, in their language."""
    parts = template.render("inbox", locale, values)
    action = action or {}
    return Message(str(uuid.uuid4()), citizen_id, template.id, template.version,
                   template.category, template.language_for(locale), parts["title"],
                   parts["body"], action.get("type"), action.get("id"), event_id, now)
