from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from chassis.messaging_tables import InboxRecord, OutboxRecord
from chassis.timestamps import UtcDateTime, utcnow


class Base(DeclarativeBase):
    pass


class Outbox(OutboxRecord, Base):
    pass


class Inbox(InboxRecord, Base):
    pass


class Fee(Base):
    """A kind of government fee a citizen can pay through the hub."""

    __tablename__ = "fees"

    code: Mapped[str] = mapped_column(String(64), primary_key=True)
    category: Mapped[str] = mapped_column(String(32))
    name_zh: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))
    # None: the amount comes from the bill or ticket, not from the catalogue.
    amount_cents: Mapped[int | None] = mapped_column(Integer, nullable=True)
    currency: Mapped[str] = mapped_column(String(3), default="CNY")
    required_assurance_level: Mapped[int] = mapped_column(Integer, default=2)
    # The agency that issues the bill or takes the fee, and is paid what is collected.
    agency: Mapped[str] = mapped_column(String(32), default="")


class Bill(Base):
    """A bill as its agency issued it: the amount is the agency's, never a partner's."""

    __tablename__ = "bills"
    __table_args__ = (UniqueConstraint("fee_code", "bill_number", name="uq_bills_number"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    fee_code: Mapped[str] = mapped_column(String(64), ForeignKey("fees.code"))
    agency: Mapped[str] = mapped_column(String(32))
    bill_number: Mapped[str] = mapped_column(String(64))
    # The account it was issued to (a plate, a water account); None for a ticket.
    account: Mapped[str | None] = mapped_column(String(64), nullable=True)
    amount_cents: Mapped[int] = mapped_column(Integer)
    late_fee_cents: Mapped[int] = mapped_column(Integer, default=0)
    due_date: Mapped[date] = mapped_column(Date)
    payee: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(16))  # payable, paid, expired
    fetched_at: Mapped[datetime] = mapped_column(UtcDateTime)


class CitizenBill(Base):
    """A bill a citizen looked up or the daily refresh found for their account."""

    __tablename__ = "citizen_bills"

    citizen_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    bill_id: Mapped[str] = mapped_column(String(36), ForeignKey("bills.id"), primary_key=True)
    found_at: Mapped[datetime] = mapped_column(UtcDateTime)


class LinkedAccount(Base):
    """An account a citizen linked, whose new bills the hub fetches daily."""

    __tablename__ = "linked_accounts"

    citizen_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    fee_code: Mapped[str] = mapped_column(String(64), ForeignKey("fees.code"), primary_key=True)
    account: Mapped[str] = mapped_column(String(64), primary_key=True)
    linked_at: Mapped[datetime] = mapped_column(UtcDateTime)
    refreshed_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)


class Payment(Base):
    """A citizen's order to pay one fee or bill, and where it stands."""

    __tablename__ = "payments"
    __table_args__ = (
        # One order in flight per bill, kept by the database itself.
        Index("uq_payments_bill_in_flight", "bill_id", unique=True,
              postgresql_where=text("status = 'awaiting_payment'"),
              sqlite_where=text("status = 'awaiting_payment'")),
        Index("ix_payments_janitor", "status", "next_check_at"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    citizen_id: Mapped[str] = mapped_column(String(36), index=True)
    partner_id: Mapped[str] = mapped_column(String(64), default="")
    fee_code: Mapped[str] = mapped_column(String(64), ForeignKey("fees.code"))
    agency: Mapped[str] = mapped_column(String(32), default="")
    bill_id: Mapped[str | None] = mapped_column(String(36), ForeignKey("bills.id"),
                                                nullable=True)
    amount_cents: Mapped[int] = mapped_column(Integer)
    currency: Mapped[str] = mapped_column(String(3))
    # The bill, account or ticket number the payment settles; None for fixed fees.
    reference: Mapped[str | None] = mapped_column(String(64), nullable=True)
    status: Mapped[str] = mapped_column(String(24))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    expires_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    # The provider's side: its trade number and the page where the citizen pays.
    trade_no: Mapped[str | None] = mapped_column(String(64), nullable=True)
    cashier_url: Mapped[str | None] = mapped_column(String(500), nullable=True)
    paid_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    # The janitor: when to look at this order next, and how often it asked.
    next_check_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    queries_made: Mapped[int] = mapped_column(Integer, default=0)
    # A trade that closed unpaid is asked about (at next_check_at) until this moment:
    # money may still land on it (domain/janitor.py). None: not watched.
    watch_until: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    # The agency's write-off: its confirmation, or when to try again.
    agency_confirmation: Mapped[str | None] = mapped_column(String(64), nullable=True)
    next_confirm_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    confirm_attempts: Mapped[int] = mapped_column(Integer, default=0)
    refunded_cents: Mapped[int] = mapped_column(Integer, default=0)


class Transition(Base):
    """One move of an order, with its cause: the history the API shows."""

    __tablename__ = "payment_transitions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    payment_id: Mapped[str] = mapped_column(String(36), ForeignKey("payments.id"), index=True)
    from_state: Mapped[str | None] = mapped_column(String(24), nullable=True)
    to_state: Mapped[str] = mapped_column(String(24))
    cause: Mapped[str] = mapped_column(String(32))
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    note: Mapped[str | None] = mapped_column(String(200), nullable=True)


class LedgerEntry(Base):
    """One side of a movement of money (domain/ledger.py). A movement is named, so
    the same movement can never be recorded twice: `PAYMENT:paid`."""

    __tablename__ = "ledger_entries"
    __table_args__ = (UniqueConstraint("movement", "account", name="uq_ledger_movement"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    movement: Mapped[str] = mapped_column(String(120))
    payment_id: Mapped[str] = mapped_column(String(36), ForeignKey("payments.id"), index=True)
    account: Mapped[str] = mapped_column(String(64))
    amount_cents: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(UtcDateTime)


class Refund(Base):
    """Money going back to the citizen, by its own request number at the provider."""

    __tablename__ = "refunds"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    payment_id: Mapped[str] = mapped_column(String(36), ForeignKey("payments.id"), index=True)
    request_no: Mapped[str] = mapped_column(String(64), unique=True)
    amount_cents: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(String(40))
    requested_by: Mapped[str] = mapped_column(String(32))  # platform, agency, ops
    status: Mapped[str] = mapped_column(String(16))  # pending, succeeded
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    next_try_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    done_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)


class IdempotencyKey(Base):
    """A partner's Idempotency-Key on an order, kept 24 hours (domain/idempotency.py)."""

    __tablename__ = "idempotency_keys"

    partner_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    key: Mapped[str] = mapped_column(String(128), primary_key=True)
    fingerprint: Mapped[str] = mapped_column(String(64))
    payment_id: Mapped[str] = mapped_column(String(36), ForeignKey("payments.id"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class AgencyCursor(Base):
    """How far payments has read an agency's refund requests (its adapter's feed)."""

    __tablename__ = "agency_cursors"

    agency: Mapped[str] = mapped_column(String(32), primary_key=True)
    last_seq: Mapped[int] = mapped_column(Integer, default=0)


class Receipt(Base):
    """The e-receipt issued for a payment its agency confirmed (domain/receipts.py)."""

    __tablename__ = "receipts"

    payment_id: Mapped[str] = mapped_column(String(36), ForeignKey("payments.id"),
                                            primary_key=True)
    number: Mapped[str] = mapped_column(String(32), unique=True)
    token: Mapped[str] = mapped_column(Text)
    issued_at: Mapped[datetime] = mapped_column(UtcDateTime)
