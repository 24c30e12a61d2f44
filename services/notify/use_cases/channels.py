"""Beyond the inbox: which channels a notification goes out on (preferences,
critical overrides, quiet hours), sending the texts that are due, and the
provider's receipts that say what became of them.

Texts are rows first (`channel_sends`, in the notification's own transaction) and
sent by a timer, so a crash loses none: a row claimed but never handed to the
provider is claimed again after a while, and the provider deduplicates by our
send id (the `reference`), so a text handed over twice reaches the phone once.
"""

import json
import logging
import uuid
from datetime import timedelta

from chassis import metrics
from contracts.errors import InvalidInput, ServiceUnavailable
from contracts.time import city_day_start, iso_utc
from services.notify.domain import preferences, statuses
from services.notify.domain.preferences import EMAIL, PUSH, SMS, Route
from services.notify.domain.subscriptions import NO_CREDIT_REASON
from services.notify.repository import channels

log = logging.getLogger(__name__)
CONTENT = "channel_send.content"
MAX_ATTEMPTS = 5
# A claimed text with no provider reference after this was lost with its sender.
STALE_CLAIM = timedelta(minutes=2)


def route(connection, template, message, values: dict, now, seal, daily_cap: int,
          mailable: bool, endpoint=None) -> bool:
    """Queue the texts and e-mails for a notification just stored, and say (True)
    whether the partner's push carries it.

    `mailable`: the citizen has a confirmed address; `endpoint`: the partner's webhook
    endpoint, if any (a mini-program's push needs the citizen's subscription). A
    citizen gets at most `daily_cap` non-critical texts (and e-mails) a city day.
    """
    critical = preferences.is_critical(template)
    available = {SMS} | ({EMAIL} if mailable else set())
    if endpoint is not None and template.category in json.loads(endpoint.categories):
        available.add(PUSH)
    if not preferences.could_use(template, available):
        return False  # inbox only, whatever the citizen chose: no need to ask
    chosen = preferences.effective(channels.preferences(connection, message.citizen_id))
    routes = preferences.routes(template, chosen, available)
    push = any(r.channel == PUSH for r in routes)
    if push and endpoint.requires_subscription and not channels.spend_subscription(
            connection, message.citizen_id, template.id):
        push = False
        routes = _instead_of_push(routes, template, critical)
    for route_ in routes:
        if route_.channel != PUSH:
            _queue(connection, template, message, values, now, seal, daily_cap, critical,
                   route_)
    return push


def _instead_of_push(routes: list, template, critical: bool) -> list:
    """No subscription for the push: a critical message goes by text, saying why."""
    routes = [r for r in routes if r.channel != PUSH]
    if critical and SMS in template.channels:
        routes = [r for r in routes if r.channel != SMS] + [Route(SMS, NO_CREDIT_REASON)]
    return routes


def _queue(connection, template, message, values, now, seal, daily_cap, critical,
           route_) -> None:
    if not critical and channels.non_critical_since(
            connection, message.citizen_id, route_.channel, city_day_start(now)) >= daily_cap:
        metrics.NOTIFICATIONS_CAPPED.labels(route_.channel).inc()
        return
    held = preferences.quiet_until(now, critical) if route_.channel == SMS else None
    reason = route_.reason or (f"quiet hours: held until {held.strftime('%H:%M')} city time"
                               if held else None)
    parts = template.render(route_.channel, message.locale, values)
    channels.add_send(connection, {
        "id": str(uuid.uuid4()), "notification_id": message.id,
        "citizen_id": message.citizen_id, "channel": route_.channel,
        "content_sealed": seal(json.dumps(parts, ensure_ascii=False), CONTENT),
        "status": statuses.CREATED, "critical": critical, "reason": reason,
        "send_after": held or now, "attempts": 0, "created_at": now, "updated_at": now})


def send_due(db, channel: str, hand_over, open_sealed, now, limit: int = 100) -> int:
    """Hand every text (or e-mail) that is due to its provider; how many were taken.

    `hand_over(citizen_id, parts, reference)` sends one: it answers (the provider's
    id, the status that follows) or None when the citizen has no confirmed phone
    (address), and raises ServiceUnavailable (retried, then technical-failure),
    TemporaryFailure (retried, then temporary-failure) or InvalidInput (refused).
    """
    stale = now - STALE_CLAIM
    with db.core_read() as connection:
        due = channels.due_sends(connection, channel, now, stale, limit)
    taken = 0
    for send_id in due:
        with db.core_transaction() as connection:
            if not channels.claim_send(connection, send_id, now, stale):
                continue  # another notify took it
            row = channels.send(connection, send_id)
        parts = json.loads(open_sealed(row.content_sealed, CONTENT))
        taken += _hand_over(db, hand_over, row, parts, now)
    return taken


def _hand_over(db, hand_over, row, parts: dict, now) -> int:
    """1 if the provider took it, else 0 (the row says why, or when to retry)."""
    try:
        handed = hand_over(row.citizen_id, parts, row.id)
    except (ServiceUnavailable, statuses.TemporaryFailure) as failure:
        temporary = isinstance(failure, statuses.TemporaryFailure)
        if row.attempts >= MAX_ATTEMPTS:
            final = statuses.TEMPORARY_FAILURE if temporary else statuses.TECHNICAL_FAILURE
            _settle(db, row.id, now, status=final, detail=_NOT_TAKEN[temporary])
        else:
            _settle(db, row.id, now, status=statuses.CREATED,
                    send_after=now + timedelta(seconds=2 ** row.attempts),
                    detail=f"{_NOT_TAKEN[temporary]}; trying again")
        return 0
    except InvalidInput:
        _settle(db, row.id, now, status=statuses.PERMANENT_FAILURE,
                detail=f"the provider refused the {_ADDRESS[row.channel]}")
        return 0
    if handed is None:
        _settle(db, row.id, now, status=statuses.PERMANENT_FAILURE,
                detail=f"the citizen has not confirmed a {_ADDRESS[row.channel]}")
        return 0
    reference, status = handed
    _settle(db, row.id, now, provider_ref=reference, detail=None,
            **({"status": status} if status else {}))
    return 1


_ADDRESS = {SMS: "phone", EMAIL: "e-mail address"}
_NOT_TAKEN = {False: "the provider did not take it", True: "the provider deferred it"}


def _settle(db, send_id: str, now, **values) -> bool:
    with db.core_transaction() as connection:
        return channels.settle_send(connection, send_id, now, **values)


def receipt(db, reference: str, code: str, now) -> bool:
    """The provider's word on a text: delivered or not. Only moves a status forward;
    a repeated or late receipt changes nothing. False if it named no text of ours."""
    status = statuses.from_receipt(code)
    with db.core_transaction() as connection:
        row = channels.send(connection, reference)
        if row is None or status is None:
            log.warning("an SMS receipt for nothing we sent", extra={"code": code})
            return False
        if statuses.can_move(row.status, status):
            channels.settle_send(connection, reference, now, status=status,
                                 detail=f"receipt {code}")
    return True


def channel_views(connection, notification_id: str, partner_push: bool = True) -> list[dict]:
    """Each channel a notification went out on, with its status and action code."""
    views = [{"channel": "inbox", "status": statuses.DELIVERED, "action": "none",
              "reason": None, "detail": None}]
    push = channels.push_of(connection, notification_id)
    if push is not None:
        status = statuses.from_webhook(push.status, push.attempts)
        views.append({"channel": PUSH, "status": status,
                      "action": statuses.action_for(PUSH, status), "reason": None,
                      "detail": push.last_error})
    for row in channels.sends_of(connection, notification_id):
        views.append({"channel": row.channel, "status": row.status,
                      "action": statuses.action_for(row.channel, row.status),
                      "reason": row.reason, "detail": row.detail,
                      "updated_at": iso_utc(row.updated_at)})
    return views
