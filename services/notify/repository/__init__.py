"""All of notify's queries: the inbox, the templates `cityhub seed` loaded and the
scheduled sends here; partners' webhooks, event feeds and deliveries in partners.py."""

import json
import time

from sqlalchemy import bindparam, func, insert, select, update
from sqlalchemy.engine import Connection

from services.notify.domain.inbox import Message
from services.notify.domain.schedule import SCHEDULED
from services.notify.domain.templates import Template, TemplateError
from services.notify.models import Notification, ScheduledSend
from services.notify.models import Template as TemplateRow

# A Core insert built once, with the values as parameters: this runs once per
# event, and an ORM flush (or a new statement per call) costs more than the row.
INSERT_NOTIFICATION = insert(Notification.__table__)


def add(connection: Connection, message: Message) -> None:
    connection.execute(INSERT_NOTIFICATION, [{
        "id": message.id, "citizen_id": message.citizen_id,
        "template_id": message.template_id, "template_version": message.template_version,
        "category": message.category, "locale": message.locale, "title": message.title,
        "body": message.body, "action_type": message.action_type,
        "action_id": message.action_id, "event_id": message.event_id,
        "created_at": message.created_at}])


_n = Notification.__table__.c
# Partners poll this: statements built once, run on a plain connection.
_COLUMNS = (_n.seq, _n.id, _n.template_id, _n.template_version, _n.category, _n.locale,
            _n.title, _n.body, _n.action_type, _n.action_id, _n.created_at, _n.read_at)
SELECT_PAGE = (select(*_COLUMNS).where(_n.citizen_id == bindparam("citizen_id"))
               .order_by(_n.seq.desc()).limit(bindparam("limit")))
SELECT_PAGE_AFTER = SELECT_PAGE.where(_n.seq < bindparam("after_seq"))
COUNT_UNREAD = (select(func.count()).select_from(Notification.__table__)
                .where(_n.citizen_id == bindparam("citizen_id"), _n.read_at.is_(None)))


def page(connection: Connection, citizen_id: str, limit: int,
         after_seq: int | None = None) -> list:
    """Newest first, as plain rows, starting after `after_seq` (older) when given."""
    if after_seq is None:
        return list(connection.execute(SELECT_PAGE, {"citizen_id": citizen_id,
                                                     "limit": limit}))
    return list(connection.execute(SELECT_PAGE_AFTER, {"citizen_id": citizen_id,
                                                       "limit": limit,
                                                       "after_seq": after_seq}))


def unread_count(connection: Connection, citizen_id: str) -> int:
    return connection.execute(COUNT_UNREAD, {"citizen_id": citizen_id}).scalar_one()


def seq_of(connection: Connection, citizen_id: str, notification_id: str) -> int | None:
    return connection.execute(select(_n.seq).where(
        _n.citizen_id == citizen_id, _n.id == notification_id)).scalar()


def newer_than(connection: Connection, citizen_id: str, seq: int, limit: int) -> list:
    """Oldest first: what came after the item numbered `seq`."""
    return list(connection.execute(select(*_COLUMNS).where(
        _n.citizen_id == citizen_id, _n.seq > seq).order_by(_n.seq).limit(limit)))


def one(connection: Connection, citizen_id: str, notification_id: str):
    return connection.execute(select(*_COLUMNS).where(
        _n.citizen_id == citizen_id, _n.id == notification_id)).first()


def mark_read(connection: Connection, citizen_id: str, notification_id: str, at) -> None:
    """Read once: the first time it was read is kept."""
    connection.execute(update(Notification).where(
        _n.citizen_id == citizen_id, _n.id == notification_id, _n.read_at.is_(None))
        .values(read_at=at))


def mark_all_read(connection: Connection, citizen_id: str, at) -> int:
    return connection.execute(update(Notification).where(
        _n.citizen_id == citizen_id, _n.read_at.is_(None)).values(read_at=at)).rowcount


def template_from_row(row) -> Template:
    return Template(row.id, row.version, row.category, row.critical, json.loads(row.channels))


class TemplateBook:
    """The released templates, read from the database and kept in the process.

    A template id not yet seen reads the table again, so templates seeded while
    the process runs are found; and the table is read again every REREAD_SECONDS, so
    a new version of a template (`cityhub seed`) is used by every notify replica
    within that time, not only by those started after it.
    """

    REREAD_SECONDS = 60.0

    def __init__(self, clock=time.monotonic):
        self._latest: dict[str, Template] = {}
        self._clock, self._read_at = clock, None

    def latest(self, template_id: str, connect) -> Template:
        """`connect()` gives a connection to read the table with, asked for only when
        the template is not in hand or the book is due a reread (a context manager,
        e.g. `db.core_read`)."""
        stale = self._read_at is None or self._clock() - self._read_at >= self.REREAD_SECONDS
        if stale or template_id not in self._latest:
            with connect() as connection:
                self._load(connection)
            self._read_at = self._clock()
        try:
            return self._latest[template_id]
        except KeyError:
            raise TemplateError(f"no template {template_id}: run `cityhub seed`") from None

    def _load(self, connection: Connection) -> None:
        rows = connection.execute(select(TemplateRow).order_by(TemplateRow.version))
        self._latest = {row.id: template_from_row(row) for row in rows}


_s = ScheduledSend.__table__.c


def scheduled(connection: Connection, key: str):
    return connection.execute(select(ScheduledSend.__table__).where(_s.key == key)).first()


def schedule(connection: Connection, row: dict) -> None:
    """Insert, or move a send that is still scheduled (the caller checked which)."""
    if scheduled(connection, row["key"]) is None:
        connection.execute(insert(ScheduledSend.__table__), [row])
    else:
        connection.execute(update(ScheduledSend).where(
            _s.key == row["key"], _s.status == SCHEDULED).values(**row))


def due_keys(connection: Connection, now, limit: int) -> list[str]:
    return list(connection.execute(
        select(_s.key).where(_s.status == SCHEDULED, _s.send_at <= now)
        .order_by(_s.send_at).limit(limit)).scalars())


def settle(connection: Connection, key: str, status: str, at) -> bool:
    """Move a scheduled send to `status` (sent or cancelled): True for the one caller
    that did, so a send and its cancellation can never both happen."""
    return connection.execute(update(ScheduledSend).where(
        _s.key == key, _s.status == SCHEDULED).values(status=status, changed_at=at)
    ).rowcount == 1
