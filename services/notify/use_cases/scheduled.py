"""Scheduled sends (domain/schedule.py): schedule or move one under its key,
cancel it, and send the ones that are due, each once."""

import json

from contracts.errors import InvalidInput, NotFound
from contracts.time import iso_utc
from services.notify import repository
from services.notify.domain.inbox import MAX_PAGE, inbox_message
from services.notify.domain.schedule import (
    CANCELLED,
    SCHEDULED,
    SENT,
    check_key,
    check_send_at,
    check_still_scheduled,
    event_id_of,
)
from services.notify.domain.templates import TemplateError


def schedule(db, template_of, key, citizen_id: str, template_id: str, locale: str,
             values: dict, send_at, action: dict | None, now) -> dict:
    """Send `template_id` to the citizen at `send_at` (ISO 8601, with its offset),
    under `key`; the same key again moves a send that has not gone out yet."""
    key, moment = check_key(key), check_send_at(send_at)
    with db.core_transaction() as connection:
        template = template_of(connection, template_id)
        try:
            template.render("inbox", locale, values)  # a hole is refused now, not later
        except TemplateError as exc:
            raise InvalidInput(str(exc), field="values") from None
        existing = repository.scheduled(connection, key)
        check_still_scheduled(key, existing.status if existing else None)
        action = action or {}
        repository.schedule(connection, {
            "key": key, "citizen_id": citizen_id, "template_id": template.id,
            "locale": locale, "values": json.dumps(values), "send_at": moment,
            "action_type": action.get("type"), "action_id": action.get("id"),
            "status": SCHEDULED, "changed_at": now})
    return {"key": key, "status": SCHEDULED, "send_at": iso_utc(moment)}


def cancel(db, key, now) -> dict:
    """Stop a scheduled send; cancelling again, or after it went out, says which."""
    with db.core_transaction() as connection:
        repository.settle(connection, check_key(key), CANCELLED, now)
        row = repository.scheduled(connection, key)
    if row is None:
        raise NotFound("no send is scheduled under this key", field="key",
                       code="schedule_not_found")
    return {"key": key, "status": row.status}


def send_due(db, template_of, deliver, now) -> None:
    """Every send that is due goes out once, each in its own transaction;
    `deliver(connection, template, values, message)` is the service's."""
    with db.core_read() as connection:
        keys = repository.due_keys(connection, now, MAX_PAGE)
    for key in keys:
        with db.core_transaction() as connection:
            if not repository.settle(connection, key, SENT, now):
                continue  # cancelled, or sent by another copy of notify, meanwhile
            row = repository.scheduled(connection, key)
            template = template_of(connection, row.template_id)
            action = {"type": row.action_type, "id": row.action_id} if row.action_type \
                else None
            values = json.loads(row.values)
            deliver(connection, template, values, inbox_message(
                template, values, action, row.citizen_id, row.locale, event_id_of(key), now))
