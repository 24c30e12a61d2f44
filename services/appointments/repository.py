from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from services.appointments.domain import BOOKED
from services.appointments.models import Appointment, Institution


def institutions(session: Session, kind: str | None = None) -> list[Institution]:
    query = select(Institution).order_by(Institution.kind, Institution.id)
    if kind:
        query = query.where(Institution.kind == kind)
    return list(session.scalars(query))


def institution_for_booking(session: Session, institution_id: str) -> Institution | None:
    """The institution, locked until commit on PostgreSQL so that two bookings of its
    last place cannot both count it free (SQLite takes one writer at a time anyway)."""
    return session.scalar(select(Institution).where(Institution.id == institution_id)
                          .with_for_update())


def booked(session: Session, institution_id: str, day: date, period: str) -> int:
    return session.scalar(select(func.count()).select_from(Appointment).where(
        Appointment.institution_id == institution_id, Appointment.day == day,
        Appointment.period == period, Appointment.status == BOOKED))


def appointments_of(session: Session, citizen_id: str) -> list[Appointment]:
    return list(session.scalars(select(Appointment).where(Appointment.citizen_id == citizen_id)
                                .order_by(Appointment.day, Appointment.period)))
