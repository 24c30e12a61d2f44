from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from chassis.messaging_tables import InboxRecord, OutboxRecord
from chassis.timestamps import UtcDateTime, utcnow


class Base(DeclarativeBase):
    pass


class Outbox(OutboxRecord, Base):
    pass


class Inbox(InboxRecord, Base):
    pass


class Institution(Base):
    """A hospital or a government service hall that takes appointments."""

    __tablename__ = "institutions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    name_zh: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))
    district: Mapped[str] = mapped_column(String(64))
    address_zh: Mapped[str] = mapped_column(String(300))
    required_assurance_level: Mapped[int] = mapped_column(Integer, default=2)
    # How many visits each morning and each afternoon can take.
    places_per_period: Mapped[int] = mapped_column(Integer, default=20)


class Appointment(Base):
    """A citizen's booked visit to an institution, one morning or afternoon."""

    __tablename__ = "appointments"
    __table_args__ = (
        UniqueConstraint("citizen_id", "institution_id", "day",
                         name="uq_appointments_citizen_institution_day"),
        # Counting the places taken in a period.
        Index("ix_appointments_institution_day", "institution_id", "day", "period"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    citizen_id: Mapped[str] = mapped_column(String(36))
    institution_id: Mapped[str] = mapped_column(String(64), ForeignKey("institutions.id"))
    day: Mapped[date] = mapped_column(Date)
    period: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
