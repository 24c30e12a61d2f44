from sqlalchemy import Integer, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from chassis.messaging_tables import InboxRecord, OutboxRecord


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
