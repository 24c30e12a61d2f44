from sqlalchemy import insert, select
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from chassis.messaging_tables import utcnow
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


def inbox(session: Session, citizen_id: str, limit: int) -> list:
    """Newest first, as plain rows: partners poll this, so it skips the ORM."""
    n = Notification
    return list(session.connection().execute(
        select(n.id, n.kind, n.locale, n.title, n.body, n.created_at)
        .where(n.citizen_id == citizen_id).order_by(n.seq.desc()).limit(limit)))
