from datetime import date, datetime

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
    text,
)
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


class Department(Base):
    """A hospital's department (内科, 儿科…) or a hall's windows for one kind of service."""

    __tablename__ = "departments"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    institution_id: Mapped[str] = mapped_column(String(64), ForeignKey("institutions.id"),
                                                index=True)
    name_zh: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))
    # The registration fee in payments' catalogue; None: booking is free.
    fee_code: Mapped[str | None] = mapped_column(String(64), nullable=True)
    # Check-in numbers are this letter and a number of the day: A001, A002…
    queue_prefix: Mapped[str] = mapped_column(String(2))
    # What to bring, so that one trip is enough: [{"zh-CN": …, "en": …}, …]
    documents: Mapped[list] = mapped_column(JSON, default=list)


class Schedule(Base):
    """A doctor's clinic or a window: its week (domain/schedules.py) and when a day's
    slots open."""

    __tablename__ = "schedules"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    department_id: Mapped[str] = mapped_column(String(64), ForeignKey("departments.id"),
                                               index=True)
    name_zh: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))
    pattern: Mapped[dict] = mapped_column(JSON)
    release_days_ahead: Mapped[int] = mapped_column(Integer)
    release_at: Mapped[str] = mapped_column(String(5))  # "07:00", city time


class Slot(Base):
    """A schedule's place in time with its places (号源); `taken` counts the holds and
    appointments on it, and the database refuses more than `places`."""

    __tablename__ = "slots"
    __table_args__ = (
        CheckConstraint("taken >= 0 AND taken <= places", name="ck_slots_taken"),
        UniqueConstraint("schedule_id", "start", name="uq_slots_schedule_start"),
        Index("ix_slots_department_start", "department_id", "start"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    schedule_id: Mapped[str] = mapped_column(String(64), ForeignKey("schedules.id"))
    department_id: Mapped[str] = mapped_column(String(64))
    institution_id: Mapped[str] = mapped_column(String(64))
    day: Mapped[date] = mapped_column(Date)  # the city's day
    start: Mapped[datetime] = mapped_column(UtcDateTime)
    end: Mapped[datetime] = mapped_column(UtcDateTime)
    opens_at: Mapped[datetime] = mapped_column(UtcDateTime)
    places: Mapped[int] = mapped_column(Integer)
    taken: Mapped[int] = mapped_column(Integer, default=0)


class Appointment(Base):
    """A citizen's place on a slot: a hold (`proposed`) until booked (domain/booking.py)."""

    __tablename__ = "appointments"
    __table_args__ = (
        # One place per citizen per department per city day, kept by the database.
        Index("uq_appointments_one_per_department_day", "citizen_id", "department_id",
              "day", unique=True,
              postgresql_where=text("status IN ('proposed', 'pending', 'booked')"),
              sqlite_where=text("status IN ('proposed', 'pending', 'booked')")),
        Index("ix_appointments_citizen", "citizen_id", "start"),
        Index("ix_appointments_holds", "status", "hold_expires_at"),
        Index("ix_appointments_payment", "payment_id"),
        Index("ix_appointments_refunds", "refund_state"),
        Index("ix_appointments_visits", "status", "end"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    citizen_id: Mapped[str] = mapped_column(String(36))
    partner_id: Mapped[str] = mapped_column(String(64))
    slot_id: Mapped[str] = mapped_column(String(36), ForeignKey("slots.id"))
    department_id: Mapped[str] = mapped_column(String(64))
    institution_id: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(32))  # the institution's
    day: Mapped[date] = mapped_column(Date)
    start: Mapped[datetime] = mapped_column(UtcDateTime)
    end: Mapped[datetime] = mapped_column(UtcDateTime)
    status: Mapped[str] = mapped_column(String(16))
    hold_expires_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    payment_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    queue_number: Mapped[str | None] = mapped_column(String(8), nullable=True)
    # Why it ended: cancelled by the citizen, the hold ran out, its payment failed…
    ended_because: Mapped[str | None] = mapped_column(String(32), nullable=True)
    # A registration fee to give back: "due" until payments has the refund, then "asked".
    refund_state: Mapped[str | None] = mapped_column(String(8), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class CitizenLoad(Base):
    """How many hospital places a citizen holds or has booked, kept beside the places
    so that two requests at once cannot both take the fourth (domain/booking.py)."""

    __tablename__ = "citizen_loads"
    __table_args__ = (CheckConstraint("hospital_active >= 0 AND hospital_active <= 3",
                                      name="ck_citizen_loads_hospital"),)

    citizen_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    hospital_active: Mapped[int] = mapped_column(Integer, default=0)


class QueueCounter(Base):
    """The last queue number a department gave on a city day: taken by an UPDATE in the
    check-in's own transaction, so numbers are unique and, rolled back with a failed
    check-in, leave no gap."""

    __tablename__ = "queue_counters"

    department_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    last: Mapped[int] = mapped_column(Integer, default=0)


class Reminder(Base):
    """A reminder of a visit, kept beside it: written, moved and cancelled in the
    transaction that books, moves or ends the visit, and sent only while the visit is
    booked (use_cases/reminding.py)."""

    __tablename__ = "reminders"
    __table_args__ = (Index("ix_reminders_due", "status", "send_at"),)

    appointment_id: Mapped[str] = mapped_column(String(36), ForeignKey("appointments.id"),
                                                primary_key=True)
    kind: Mapped[str] = mapped_column(String(24), primary_key=True)
    send_at: Mapped[datetime] = mapped_column(UtcDateTime)
    status: Mapped[str] = mapped_column(String(16))  # scheduled, sent, cancelled


class WaitlistEntry(Base):
    """A citizen waiting for a place of a full slot: offered every place that frees
    there until they take one or leave (use_cases/waitlist.py)."""

    __tablename__ = "waitlist"
    __table_args__ = (UniqueConstraint("slot_id", "citizen_id", name="uq_waitlist_citizen"),
                      Index("ix_waitlist_slot", "slot_id", "status"))

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    slot_id: Mapped[str] = mapped_column(String(36), ForeignKey("slots.id"))
    citizen_id: Mapped[str] = mapped_column(String(36), index=True)
    status: Mapped[str] = mapped_column(String(16))  # waiting, offered, taken, left
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    offered_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
