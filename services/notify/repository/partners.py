"""Partners' queries: who each citizen's partner is, each partner's webhook endpoint,
its numbered event feed, and the deliveries on their way to the endpoint."""

from datetime import datetime
from functools import cache

from sqlalchemy import and_, bindparam, delete, exists, func, or_, select, update
from sqlalchemy.engine import Connection

from chassis.db import insert_or_skip, upsert
from chassis.timestamps import UtcDateTime
from services.notify.domain.webhooks import ACTIVE, CANCELLED, PAUSED, PENDING
from services.notify.models import (
    PartnerEvent,
    PartnerFeed,
    PartnerWebhook,
    Recipient,
    WebhookDelivery,
)

_r = Recipient.__table__.c
_w = PartnerWebhook.__table__.c
_f = PartnerFeed.__table__.c
_e = PartnerEvent.__table__.c
_d = WebhookDelivery.__table__.c


@cache
def _next_seq_statement(dialect_name: str):
    statement = upsert(dialect_name, PartnerFeed.__table__).values(
        partner_id=bindparam("partner_id"), last_seq=1)
    return statement.on_conflict_do_update(
        index_elements=["partner_id"], set_={"last_seq": _f.last_seq + 1}
    ).returning(_f.last_seq)


# Recipients

def remember(connection: Connection, citizen_id: str, partner_id: str, locale: str) -> None:
    """A citizen's partner never changes; the first word on it is kept."""
    connection.execute(insert_or_skip(connection, Recipient.__table__), {
        "citizen_id": citizen_id, "partner_id": partner_id, "locale": locale,
        "email_confirmed": False})


def mailable(connection: Connection, citizen_id: str, partner_id: str, locale: str) -> None:
    """Identity has a confirmed address for the citizen (in whichever order the
    events about them arrive)."""
    connection.execute(upsert(connection.dialect.name, Recipient.__table__)
                       .values(citizen_id=citizen_id, partner_id=partner_id, locale=locale,
                               email_confirmed=True)
                       .on_conflict_do_update(index_elements=["citizen_id"],
                                              set_={"email_confirmed": True}))


# Statements run for every notification, built once: SQLAlchemy then reuses their
# compiled form instead of working out a cache key from a new statement each time.
SELECT_RECIPIENT = select(Recipient.__table__).where(_r.citizen_id == bindparam("citizen_id"))
SELECT_WEBHOOK = select(PartnerWebhook.__table__).where(
    _w.partner_id == bindparam("partner_id"))
INSERT_EVENT = PartnerEvent.__table__.insert()


def recipient(connection: Connection, citizen_id: str):
    return connection.execute(SELECT_RECIPIENT, {"citizen_id": citizen_id}).first()


# Endpoints

def webhook(connection: Connection, partner_id: str):
    return connection.execute(SELECT_WEBHOOK, {"partner_id": partner_id}).first()


def add_webhook(connection: Connection, row: dict) -> bool:
    """False if the partner has an endpoint already (a twin request's, made meanwhile)."""
    return connection.execute(insert_or_skip(connection, PartnerWebhook.__table__),
                              row).rowcount == 1


def change_webhook(connection: Connection, partner_id: str, **values) -> None:
    connection.execute(update(PartnerWebhook).where(_w.partner_id == partner_id)
                       .values(**values))


def remove_webhook(connection: Connection, partner_id: str) -> None:
    connection.execute(delete(PartnerWebhook).where(_w.partner_id == partner_id))
    connection.execute(update(WebhookDelivery).where(
        _d.partner_id == partner_id, _d.status == PENDING).values(status=CANCELLED))


def restart_pending(connection: Connection, partner_id: str) -> None:
    """Re-enabled: what was waiting gets a fresh 24 hours."""
    connection.execute(update(WebhookDelivery).where(
        _d.partner_id == partner_id, _d.status == PENDING).values(first_attempt_at=None))


# The feed

def next_seq(connection: Connection, partner_id: str) -> int:
    """The partner's next sequence number: 1, 2, 3 ..., taken under the row's lock
    so two notifications at once never share one or leave a gap."""
    return connection.execute(_next_seq_statement(connection.dialect.name),
                              {"partner_id": partner_id}).scalar_one()


def add_event(connection: Connection, row: dict) -> None:
    connection.execute(INSERT_EVENT, [row])


def events_after(connection: Connection, partner_id: str, after_seq: int, limit: int) -> list:
    return list(connection.execute(
        select(_e.seq, _e.body).where(_e.partner_id == partner_id, _e.seq > after_seq)
        .order_by(_e.seq).limit(limit)))


# Deliveries

def add_delivery(connection: Connection, row: dict) -> None:
    connection.execute(WebhookDelivery.__table__.insert(), [row])


def delivery(connection: Connection, partner_id: str, delivery_id: str):
    return connection.execute(select(WebhookDelivery.__table__).where(
        _d.partner_id == partner_id, _d.id == delivery_id)).first()


def deliveries(connection: Connection, partner_id: str, limit: int,
               status: str | None = None, before_seq: int | None = None) -> list:
    """Newest first."""
    query = select(WebhookDelivery.__table__).where(_d.partner_id == partner_id)
    if status is not None:
        query = query.where(_d.status == status)
    if before_seq is not None:
        query = query.where(_d.seq < before_seq)
    return list(connection.execute(query.order_by(_d.seq.desc()).limit(limit)))


def pending_count(connection: Connection, partner_id: str | None = None) -> int:
    """Deliveries waiting, for one partner or (None) for all."""
    query = select(func.count()).select_from(WebhookDelivery.__table__).where(
        _d.status == PENDING)
    if partner_id is not None:
        query = query.where(_d.partner_id == partner_id)
    return connection.execute(query).scalar_one()


def paused_count(connection: Connection) -> int:
    return connection.execute(select(func.count()).select_from(PartnerWebhook.__table__)
                              .where(_w.status == PAUSED)).scalar_one()


def requeue(connection: Connection, partner_id: str, delivery_id: str) -> None:
    connection.execute(update(WebhookDelivery).where(
        _d.partner_id == partner_id, _d.id == delivery_id).values(
        status=PENDING, first_attempt_at=None))


# Run several times a second by every notify process: built once.
SELECT_DUE_PARTNERS = select(_w.partner_id).where(
    _w.status == ACTIVE,
    or_(_w.retry_at.is_(None), _w.retry_at <= bindparam("now", type_=UtcDateTime)),
    or_(_w.lease_until.is_(None), _w.lease_until <= bindparam("now", type_=UtcDateTime)),
    exists().where(_d.partner_id == _w.partner_id, _d.status == PENDING),
).limit(bindparam("limit"))


def due_partners(connection: Connection, now: datetime, limit: int) -> list[str]:
    """Active endpoints not resting after a failure, not being sent to by another
    notify, with something to send."""
    return list(connection.execute(SELECT_DUE_PARTNERS, {"now": now, "limit": limit})
                .scalars())


def take_lease(connection: Connection, partner_id: str, owner: str, now: datetime,
               until: datetime) -> bool:
    """True if this process may send to the partner until `until` (a lease it held
    already is extended)."""
    return connection.execute(update(PartnerWebhook).where(
        _w.partner_id == partner_id, _w.status == ACTIVE,
        or_(_w.lease_owner == owner, _w.lease_until.is_(None), _w.lease_until <= now))
        .values(lease_owner=owner, lease_until=until)).rowcount == 1


def release_lease(connection: Connection, partner_id: str, owner: str) -> None:
    connection.execute(update(PartnerWebhook).where(
        _w.partner_id == partner_id, _w.lease_owner == owner)
        .values(lease_owner=None, lease_until=None))


def next_pending(connection: Connection, partner_id: str, limit: int) -> list:
    """The oldest pending deliveries with the bodies to send, in sequence order."""
    return list(connection.execute(
        select(_d.id, _d.seq, _d.event_id, _d.attempts, _d.first_attempt_at, _e.body)
        .join(PartnerEvent.__table__, and_(_e.partner_id == _d.partner_id, _e.seq == _d.seq))
        .where(_d.partner_id == partner_id, _d.status == PENDING)
        .order_by(_d.seq).limit(limit)))


def record_attempt(connection: Connection, delivery_id: str, values: dict,
                   attempted: bool = True) -> None:
    """An attempt's result (or, not `attempted`, giving up) on a delivery still
    pending: a removed endpoint's cancelled deliveries are not overwritten."""
    if attempted:
        values = values | {"attempts": _d.attempts + 1}
    connection.execute(update(WebhookDelivery).where(
        _d.id == delivery_id, _d.status == PENDING).values(**values))
