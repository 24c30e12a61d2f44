from sqlalchemy import select
from sqlalchemy.orm import Session

from services.payments.domain import CATALOGUE
from services.payments.models import Fee


def all_fees(session: Session) -> list[Fee]:
    return list(session.scalars(select(Fee).order_by(Fee.category, Fee.code)))


def seed(session: Session) -> int:
    """Load the catalogue; running it twice changes nothing."""
    for entry in CATALOGUE:
        session.merge(Fee(currency="CNY", **entry))
    return len(CATALOGUE)
