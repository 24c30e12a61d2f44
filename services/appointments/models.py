from sqlalchemy import String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from chassis.messaging_tables import InboxRecord, OutboxRecord


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
