from sqlalchemy import bindparam, insert, select
from sqlalchemy.engine import Connection

from chassis.timestamps import utcnow
from services.notify.domain import Message
from services.notify.models import Notification

# A Core insert built once, with the values as parameters: this runs once per
# event, and an ORM flush (or a new statement per call) costs more than the row.
INSERT_NOTIFICATION = insert(Notification.__table__)


def add(connection: Connection, message: Message) -> None:
    connection.execute(INSERT_NOTIFICATION, [{
        "id": message.id, "citizen_id": message.citizen_id, "kind": message.kind,
        "locale": message.locale, "title": message.title, "body": message.body,
        "event_id": message.event_id, "created_at": utcnow()}])


_n = Notification.__table__.c
# Partners poll this: one statement built once, run on a plain connection.
SELECT_INBOX = (select(_n.id, _n.kind, _n.locale, _n.title, _n.body, _n.created_at)
                .where(_n.citizen_id == bindparam("citizen_id"))
                .order_by(_n.seq.desc()).limit(bindparam("limit")))


def inbox(connection: Connection, citizen_id: str, limit: int) -> list:
    """Newest first, as plain rows."""
    return list(connection.execute(SELECT_INBOX, {"citizen_id": citizen_id, "limit": limit}))
