from sqlalchemy import select
from sqlalchemy.orm import Session

from services.appointments.domain import INSTITUTIONS
from services.appointments.models import Institution


def institutions(session: Session, kind: str | None = None) -> list[Institution]:
    query = select(Institution).order_by(Institution.kind, Institution.id)
    if kind:
        query = query.where(Institution.kind == kind)
    return list(session.scalars(query))


def seed(session: Session) -> int:
    """Load the institutions; running it twice changes nothing."""
    for entry in INSTITUTIONS:
        session.merge(Institution(**entry))
    return len(INSTITUTIONS)
