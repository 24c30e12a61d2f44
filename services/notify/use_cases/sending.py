"""Sending on a caller's word: now, once per idempotency key within 24 hours.

A service that must tell a citizen something that is not one of its events (a
receipt it wants sent at once, say) calls notify's `send` RPC with a key of its
own; the same key again within 24 hours is the same notification, however often
the caller retries. Events need no key: the event id is theirs (the inbox claim).
"""

from datetime import timedelta

from sqlalchemy.exc import IntegrityError

from contracts.errors import InvalidInput
from services.notify.domain.inbox import inbox_message
from services.notify.domain.schedule import check_key, event_id_of
from services.notify.domain.templates import DEFAULT_LOCALE, TemplateError
from services.notify.repository import channels, partners

KEY_WINDOW = timedelta(hours=24)


def send(db, template_of, deliver, key, citizen_id: str, template_id: str, values: dict,
         action: dict | None, now) -> dict:
    """`template_of(connection, id)` finds the template; `deliver(connection, template,
    values, message)` stores and routes the message (the service's `_deliver`)."""
    key = check_key(key)
    for attempt in (1, 2):
        try:
            with db.core_transaction() as connection:
                existing = channels.key_notification(connection, key, now - KEY_WINDOW)
                if existing is not None:
                    return {"notification_id": existing, "duplicate": True}
                template = template_of(connection, template_id)
                recipient = partners.recipient(connection, citizen_id)
                locale = recipient.locale if recipient else DEFAULT_LOCALE
                try:
                    message = inbox_message(template, values, action, citizen_id, locale,
                                            event_id_of(key), now)
                except TemplateError as exc:
                    raise InvalidInput(str(exc), field="values") from None
                deliver(connection, template, values, message)
                channels.take_key(connection, key, message.id, now)
            return {"notification_id": message.id, "duplicate": False}
        except IntegrityError:
            if attempt == 2:
                raise  # pragma: no cover - a third sender with the same key, twice
    raise AssertionError("unreachable")
