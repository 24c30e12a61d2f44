from datetime import datetime

from sqlalchemy import Index, Integer, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from chassis.messaging_tables import InboxRecord, OutboxRecord
from chassis.timestamps import UtcDateTime, utcnow


class Base(DeclarativeBase):
    pass


class Outbox(OutboxRecord, Base):
    pass


class Inbox(InboxRecord, Base):
    pass


class Notification(Base):
    """A message in a citizen's in-app inbox."""

    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_citizen_seq", "citizen_id", "seq"),)

    # seq orders the inbox: timestamps can tie, a sequence cannot.
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    id: Mapped[str] = mapped_column(String(36), unique=True)
    citizen_id: Mapped[str] = mapped_column(String(36))
    kind: Mapped[str] = mapped_column(String(64))
    locale: Mapped[str] = mapped_column(String(8))
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    # The event that caused it, so support can trace a message to its cause.
    event_id: Mapped[str] = mapped_column(String(36))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
