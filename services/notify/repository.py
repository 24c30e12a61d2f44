from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from chassis.messaging_tables import utcnow
from services.notify.domain import Message
from services.notify.models import Notification


def add(session: Session, message: Message) -> None:
    # A Core insert with the values as parameters: this runs once per event, and
    # an ORM flush (or a new statement per call) costs more than the row.
    session.connection().execute(insert(Notification.__table__), [{
        "id": message.id, "citizen_id": message.citizen_id, "kind": message.kind,
        "locale": message.locale, "title": message.title, "body": message.body,
        "event_id": message.event_id, "created_at": utcnow()}])


def inbox(session: Session, citizen_id: str, limit: int) -> list[Notification]:
    return list(session.scalars(
        select(Notification).where(Notification.citizen_id == citizen_id)
        .order_by(Notification.seq.desc()).limit(limit)))
