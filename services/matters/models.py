from datetime import date, datetime

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from chassis.messaging_tables import InboxRecord, OutboxRecord
from chassis.timestamps import UtcDateTime


class Base(DeclarativeBase):
    pass


class Outbox(OutboxRecord, Base):
    pass


class Inbox(InboxRecord, Base):
    """Events, and agencies' decisions (consumer `agency.AGENCY`), applied once."""


class CatalogueService(Base):
    """A service the city offers through the hub, as catalogue.yaml describes it."""

    __tablename__ = "catalogue_services"

    code: Mapped[str] = mapped_column(String(64), primary_key=True)
    # Where it stands in the catalogue file: the order services are listed in.
    position: Mapped[int] = mapped_column(Integer)
    category: Mapped[str] = mapped_column(String(32))
    agency: Mapped[str] = mapped_column(String(64))
    required_assurance_level: Mapped[int] = mapped_column(Integer)
    delivery: Mapped[str] = mapped_column(String(16))
    # Applied for through the hub and decided by the agency: followed as a matter.
    application: Mapped[bool] = mapped_column(Boolean, default=False)
    # None and None: free. A fee code is payments'; amount None: the bill says how much.
    fee_code: Mapped[str | None] = mapped_column(String(64), nullable=True)
    fee_amount_cents: Mapped[int | None] = mapped_column(Integer, nullable=True)
    charges_fee: Mapped[bool] = mapped_column(Boolean, default=False)
    sla_working_days: Mapped[int] = mapped_column(Integer)
    name_zh: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))
    summary_zh: Mapped[str] = mapped_column(String(1000))
    summary_en: Mapped[str] = mapped_column(String(1000))
    documents: Mapped[list] = mapped_column(JSON, default=list)
    # The kind of institution whose places it books (hospital, service_hall), if any.
    books: Mapped[str | None] = mapped_column(String(16), nullable=True)


class CalendarDay(Base):
    """A day the weekday rule gets wrong: a weekday off (`working` false) or a weekend
    day worked (true), from the holiday notice (`set_by` "notice") or by ops ("ops")."""

    __tablename__ = "calendar_days"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    working: Mapped[bool] = mapped_column(Boolean)
    name: Mapped[str] = mapped_column(String(100))
    set_by: Mapped[str] = mapped_column(String(16))


class Matter(Base):
    """Something the city is doing for a citizen, followed by its tracking number: an
    application an agency decides (use_cases/applying.py), or a payment until its
    agency confirms it and a visit until it happens (use_cases/following.py)."""

    __tablename__ = "matters"
    # One open application per citizen and service, kept by the database: a retry after
    # a lost answer, or a twin request, opens no second one.
    __table_args__ = (
        Index("uq_matters_one_open", "citizen_id", "service_code", unique=True,
              postgresql_where=text("closed_at IS NULL AND kind = 'application'"),
              sqlite_where=text("closed_at IS NULL AND kind = 'application'")),
        # A followed matter is its payment's or appointment's: one each, however often
        # and in whatever order their events come.
        Index("uq_matters_source", "kind", "source_id", unique=True,
              postgresql_where=text("source_id IS NOT NULL"),
              sqlite_where=text("source_id IS NOT NULL")),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    tracking_number: Mapped[str] = mapped_column(String(20), unique=True)
    citizen_id: Mapped[str] = mapped_column(String(36), index=True)
    partner_id: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(16))  # application, payment, appointment
    # The payment's or appointment's id, for the matters the hub follows.
    source_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    service_code: Mapped[str] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(32))
    # The current state's time limit, from the working-day calendar; None: no clock.
    due_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    # What the agency asked for the first time it sent the application back (tell once),
    # and until when the citizen may put it right.
    corrections: Mapped[list | None] = mapped_column(JSON, nullable=True)
    documents: Mapped[list] = mapped_column(JSON, default=list)  # references, not files
    opened_at: Mapped[datetime] = mapped_column(UtcDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    # The phone the matter was filed with, as an HMAC blind index only: the public
    # progress query compares with it, and nothing here can give the number back.
    phone_index: Mapped[str | None] = mapped_column(String(64), nullable=True)
    # What the SLA watch last told the agency of the current deadline (`near`,
    # `overdue`), so it tells each once; cleared by every move.
    deadline_told: Mapped[str | None] = mapped_column(String(16), nullable=True)


class MatterStep(Base):
    """One step of a matter's timeline: when, what, by whom, from which state to which."""

    __tablename__ = "matter_steps"

    matter_id: Mapped[str] = mapped_column(String(36), ForeignKey("matters.id"),
                                           primary_key=True)
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    action: Mapped[str] = mapped_column(String(32))
    by: Mapped[str] = mapped_column(String(16))  # citizen, agency, hub
    from_state: Mapped[str | None] = mapped_column(String(32), nullable=True)
    to_state: Mapped[str] = mapped_column(String(32))
    detail: Mapped[dict] = mapped_column(JSON, default=dict)  # items asked for, documents


class DayCounter(Base):
    """The last tracking number a city day gave: taken by an UPDATE in the opening
    matter's own transaction, so numbers are unique and a rolled-back one leaves no
    gap."""

    __tablename__ = "day_counters"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    last: Mapped[int] = mapped_column(Integer, default=0)


class AgencyMessage(Base):
    """Something the hub owes an agency (an application filed, a resubmission, a
    withdrawal, a notice), written in the transaction that made it owed and sent by a
    timer until the agency acknowledges it: an agency that is down loses nothing."""

    __tablename__ = "agency_messages"
    __table_args__ = (Index("ix_agency_messages_unsent", "next_attempt_at",
                            postgresql_where=text("sent_at IS NULL"),
                            sqlite_where=text("sent_at IS NULL")),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)  # the agency's dedup key
    agency: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(32))
    tracking_number: Mapped[str] = mapped_column(String(20))
    body: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    next_attempt_at: Mapped[datetime] = mapped_column(UtcDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    answer: Mapped[dict | None] = mapped_column(JSON, nullable=True)


class AgencyCursor(Base):
    """How far matters has read an agency's decisions feed."""

    __tablename__ = "agency_cursors"

    agency: Mapped[str] = mapped_column(String(64), primary_key=True)
    last_seq: Mapped[int] = mapped_column(Integer, default=0)


class Rating(Base):
    """好差评: the citizen's one rating of a closed matter. The comment is theirs to
    write anything in, so it is sealed."""

    __tablename__ = "ratings"

    matter_id: Mapped[str] = mapped_column(String(36), ForeignKey("matters.id"),
                                           primary_key=True)
    level: Mapped[str] = mapped_column(String(32))
    comment_sealed: Mapped[str | None] = mapped_column(Text, nullable=True)
    rated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class RectificationTask(Base):
    """A poor rating's duty (整改): the agency puts right what the citizen rated, within
    15 working days, and says so (its `rectified` decision closes the task)."""

    __tablename__ = "rectification_tasks"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    matter_id: Mapped[str] = mapped_column(String(36), ForeignKey("matters.id"), unique=True)
    tracking_number: Mapped[str] = mapped_column(String(20))
    agency: Mapped[str] = mapped_column(String(64), index=True)
    level: Mapped[str] = mapped_column(String(32))
    opened_at: Mapped[datetime] = mapped_column(UtcDateTime)
    due_at: Mapped[datetime] = mapped_column(UtcDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    note: Mapped[str | None] = mapped_column(String(500), nullable=True)
    overdue_told: Mapped[bool] = mapped_column(Boolean, default=False)
