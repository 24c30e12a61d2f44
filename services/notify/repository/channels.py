"""Channel queries: citizens' preferences, and the texts and e-mails going out."""

from datetime import datetime

from sqlalchemy import bindparam, delete, func, or_, select, update
from sqlalchemy.engine import Connection

from chassis.db import insert_or_skip, upsert
from chassis.timestamps import UtcDateTime
from services.notify.domain.statuses import CREATED, FINAL, SENDING
from services.notify.models import (
    ChannelSend,
    Preference,
    SendKey,
    Subscription,
    WebhookDelivery,
)

_p = Preference.__table__.c
_c = ChannelSend.__table__.c
_d = WebhookDelivery.__table__.c


def preferences(connection: Connection, citizen_id: str) -> dict[tuple[str, str], bool]:
    return {(row.category, row.channel): row.enabled for row in connection.execute(
        select(_p.category, _p.channel, _p.enabled).where(_p.citizen_id == citizen_id))}


def set_preference(connection: Connection, citizen_id: str, category: str, channel: str,
                   enabled: bool, at: datetime) -> None:
    statement = upsert(connection.dialect.name, Preference.__table__).values(
        citizen_id=citizen_id, category=category, channel=channel, enabled=enabled,
        changed_at=at)
    connection.execute(statement.on_conflict_do_update(
        index_elements=["citizen_id", "category", "channel"],
        set_={"enabled": enabled, "changed_at": at}))


def add_send(connection: Connection, row: dict) -> None:
    connection.execute(ChannelSend.__table__.insert(), [row])


def sends_of(connection: Connection, notification_id: str) -> list:
    return list(connection.execute(select(ChannelSend.__table__).where(
        _c.notification_id == notification_id).order_by(_c.channel)))


def push_of(connection: Connection, notification_id: str):
    return connection.execute(select(_d.status, _d.attempts, _d.last_attempt_at,
                                     _d.created_at, _d.last_error).where(
        _d.notification_id == notification_id)).first()


# Run twice a second by every notify process: built once.
SELECT_DUE_SENDS = select(_c.id).where(
    _c.channel == bindparam("channel"),
    or_(_c.status == CREATED,
        (_c.status == SENDING) & _c.provider_ref.is_(None)
        & (_c.updated_at < bindparam("stale_before", type_=UtcDateTime))),
    _c.send_after <= bindparam("now", type_=UtcDateTime),
).order_by(_c.send_after).limit(bindparam("limit"))


def due_sends(connection: Connection, channel: str, now: datetime, stale_before: datetime,
              limit: int) -> list[str]:
    """Sends due now, and sends left `sending` with no provider reference by a
    process that died between claiming and sending them."""
    return list(connection.execute(SELECT_DUE_SENDS, {
        "channel": channel, "now": now, "stale_before": stale_before, "limit": limit})
        .scalars())


def claim_send(connection: Connection, send_id: str, now: datetime,
               stale_before: datetime) -> bool:
    """created (or a stale claim) -> sending, for one caller only."""
    return connection.execute(update(ChannelSend).where(
        _c.id == send_id,
        or_(_c.status == CREATED,
            (_c.status == SENDING) & _c.provider_ref.is_(None) & (_c.updated_at < stale_before))
    ).values(status=SENDING, attempts=_c.attempts + 1, updated_at=now)).rowcount == 1


def send(connection: Connection, send_id: str):
    return connection.execute(select(ChannelSend.__table__).where(_c.id == send_id)).first()


def settle_send(connection: Connection, send_id: str, at: datetime, **values) -> bool:
    """Change a send that has not reached a final status (receipts move it forward only)."""
    return connection.execute(update(ChannelSend).where(
        _c.id == send_id, _c.status.not_in(FINAL)).values(updated_at=at, **values)
    ).rowcount == 1


def non_critical_since(connection: Connection, citizen_id: str, channel: str,
                       since: datetime) -> int:
    return connection.execute(select(func.count()).select_from(ChannelSend.__table__).where(
        _c.citizen_id == citizen_id, _c.channel == channel, _c.created_at >= since,
        _c.critical.is_(False))).scalar_one()


_k = SendKey.__table__.c


def key_notification(connection: Connection, key: str, since: datetime) -> str | None:
    """The notification a key named within the window, if any."""
    return connection.execute(select(_k.notification_id).where(
        _k.key == key, _k.created_at >= since)).scalar()


def take_key(connection: Connection, key: str, notification_id: str, at: datetime) -> None:
    """Name `notification_id` by `key`, replacing a use of it older than the window.
    Two concurrent sends with one key: the second waits on the first's row, then
    fails on the key (and its transaction, with its notification, is rolled back)."""
    connection.execute(delete(SendKey).where(_k.key == key))
    connection.execute(SendKey.__table__.insert(), [
        {"key": key, "notification_id": notification_id, "created_at": at}])


_s = Subscription.__table__.c


def accept_subscription(connection: Connection, citizen_id: str, template_id: str,
                        long_term: bool, at: datetime) -> bool:
    """One more one-time credit, or the long-term consent; True if this made the
    citizen's subscription to the template. The insert decides (a twin acceptance waits
    on it, then adds to the row it made), so exactly one of two racing ones made it."""
    made = connection.execute(insert_or_skip(connection, Subscription.__table__), {
        "citizen_id": citizen_id, "template_id": template_id, "updated_at": at,
        "one_time_credits": 0 if long_term else 1, "long_term": long_term}).rowcount == 1
    if not made:
        connection.execute(update(Subscription).where(
            _s.citizen_id == citizen_id, _s.template_id == template_id).values(
            {"long_term": True, "updated_at": at} if long_term else
            {"one_time_credits": _s.one_time_credits + 1, "updated_at": at}))
    return made


def withdraw_subscription(connection: Connection, citizen_id: str, template_id: str) -> None:
    connection.execute(delete(Subscription).where(_s.citizen_id == citizen_id,
                                                  _s.template_id == template_id))


def subscriptions(connection: Connection, citizen_id: str) -> list:
    return list(connection.execute(select(Subscription.__table__).where(
        _s.citizen_id == citizen_id).order_by(_s.template_id)))


def spend_subscription(connection: Connection, citizen_id: str, template_id: str) -> bool:
    """True if a push of the template may go: a long-term consent, or a one-time
    credit taken now (one statement, so two pushes never share a credit)."""
    long_term = connection.execute(select(_s.long_term).where(
        _s.citizen_id == citizen_id, _s.template_id == template_id)).scalar()
    if long_term:
        return True
    return connection.execute(update(Subscription).where(
        _s.citizen_id == citizen_id, _s.template_id == template_id,
        _s.one_time_credits > 0).values(one_time_credits=_s.one_time_credits - 1)
    ).rowcount == 1
