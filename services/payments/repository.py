from sqlalchemy import select
from sqlalchemy.orm import Session

from services.payments.models import Fee, Payment


def all_fees(session: Session) -> list[Fee]:
    return list(session.scalars(select(Fee).order_by(Fee.category, Fee.code)))


def fee(session: Session, code: str) -> Fee | None:
    return session.get(Fee, code)


def payments_of(session: Session, citizen_id: str) -> list[Payment]:
    return list(session.scalars(select(Payment).where(Payment.citizen_id == citizen_id)
                                .order_by(Payment.created_at.desc())))
