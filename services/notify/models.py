from datetime import datetime

from sqlalchemy import Boolean, Index, Integer, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from chassis.messaging_tables import InboxRecord, OutboxRecord
from chassis.timestamps import UtcDateTime, utcnow


class Base(DeclarativeBase):
    pass


class Outbox(OutboxRecord, Base):
    pass


class Inbox(InboxRecord, Base):
    pass


class Template(Base):
    """A released version of a template, as `cityhub seed` loaded it from its file."""

    __tablename__ = "templates"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, primary_key=True)
    category: Mapped[str] = mapped_column(String(32))
    critical: Mapped[bool] = mapped_column(Boolean)
    channels: Mapped[str] = mapped_column(Text)  # JSON: {channel: {part: {locale: text}}}
    loaded_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class Notification(Base):
    """A message in a citizen's in-app inbox."""

    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_citizen_seq", "citizen_id", "seq"),)

    # seq orders the inbox: timestamps can tie, a sequence cannot.
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    id: Mapped[str] = mapped_column(String(36), unique=True)
    citizen_id: Mapped[str] = mapped_column(String(36))
    # The template and version it was rendered from, and the template's category.
    template_id: Mapped[str] = mapped_column(String(64))
    template_version: Mapped[int] = mapped_column(Integer)
    category: Mapped[str] = mapped_column(String(32))
    locale: Mapped[str] = mapped_column(String(8))
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    # What the super-app opens when the citizen taps it, e.g. ("payment", "p-1").
    action_type: Mapped[str | None] = mapped_column(String(32), nullable=True)
    action_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    # The event that caused it, so support can trace a message to its cause.
    event_id: Mapped[str] = mapped_column(String(36))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)


class ScheduledSend(Base):
    """A notification to send at a time, under a key its caller chose (a reminder)."""

    __tablename__ = "scheduled_sends"
    __table_args__ = (Index("ix_scheduled_sends_due", "status", "send_at"),)

    key: Mapped[str] = mapped_column(String(128), primary_key=True)
    citizen_id: Mapped[str] = mapped_column(String(36))
    template_id: Mapped[str] = mapped_column(String(64))
    locale: Mapped[str] = mapped_column(String(8))
    values: Mapped[str] = mapped_column(Text)  # JSON
    action_type: Mapped[str | None] = mapped_column(String(32), nullable=True)
    action_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    send_at: Mapped[datetime] = mapped_column(UtcDateTime)
    status: Mapped[str] = mapped_column(String(16))  # scheduled, sent, cancelled
    changed_at: Mapped[datetime] = mapped_column(UtcDateTime)


class Recipient(Base):
    """Who a citizen is to notify: their partner (whose webhook and event feed carry
    their notifications) and their language; kept from identity's events."""

    __tablename__ = "recipients"

    citizen_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    partner_id: Mapped[str] = mapped_column(String(64))
    locale: Mapped[str] = mapped_column(String(8))
    # Whether identity has a confirmed address to mail (never the address itself).
    email_confirmed: Mapped[bool] = mapped_column(Boolean, default=False)


class PartnerWebhook(Base):
    """A partner's endpoint, the categories it wants, and how it is doing."""

    __tablename__ = "partner_webhooks"

    partner_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    url: Mapped[str] = mapped_column(String(2048))
    categories: Mapped[str] = mapped_column(Text)  # JSON list
    # Signing needs the secret itself, so it is sealed (AES-GCM), not hashed.
    secret_sealed: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16))  # active, paused
    # A mini-program: a push needs the citizen's subscription to its template.
    requires_subscription: Mapped[bool] = mapped_column(Boolean, default=False)
    consecutive_failures: Mapped[int] = mapped_column(Integer, default=0)
    # While failing, nothing is sent before this (the endpoint's backoff).
    retry_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    paused_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    # Which notify process is sending to it, until when (one sender at a time).
    lease_owner: Mapped[str | None] = mapped_column(String(36), nullable=True)
    lease_until: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class PartnerFeed(Base):
    """The last sequence number given to one of a partner's events."""

    __tablename__ = "partner_feeds"

    partner_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    last_seq: Mapped[int] = mapped_column(Integer)


class PartnerEvent(Base):
    """One event in a partner's feed, numbered 1, 2, 3 ... per partner, no gaps."""

    __tablename__ = "partner_events"

    partner_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    # The idempotency id a partner deduplicates by: the same on every attempt.
    id: Mapped[str] = mapped_column(String(36), unique=True)
    category: Mapped[str] = mapped_column(String(32))
    body: Mapped[str] = mapped_column(Text)  # the JSON sent, exactly
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class WebhookDelivery(Base):
    """A partner event on its way to the partner's endpoint, and its last attempt."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        Index("ix_webhook_deliveries_queue", "partner_id", "status", "seq"),
        Index("ix_webhook_deliveries_recent", "partner_id", "created_at"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    partner_id: Mapped[str] = mapped_column(String(64))
    seq: Mapped[int] = mapped_column(Integer)
    event_id: Mapped[str] = mapped_column(String(36))
    notification_id: Mapped[str] = mapped_column(String(36), index=True)
    category: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    first_attempt_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    last_attempt_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    last_status_code: Mapped[int | None] = mapped_column(Integer, nullable=True)
    last_error: Mapped[str | None] = mapped_column(String(200), nullable=True)
    delivered_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class Preference(Base):
    """A citizen's choice for one category on one channel (absent: the default)."""

    __tablename__ = "preferences"

    citizen_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    category: Mapped[str] = mapped_column(String(32), primary_key=True)
    channel: Mapped[str] = mapped_column(String(16), primary_key=True)
    enabled: Mapped[bool] = mapped_column(Boolean)
    changed_at: Mapped[datetime] = mapped_column(UtcDateTime)


class ChannelSend(Base):
    """A notification going out as a text or an e-mail, and its delivery status."""

    __tablename__ = "channel_sends"
    __table_args__ = (Index("ix_channel_sends_due", "status", "send_after"),
                      Index("ix_channel_sends_citizen", "citizen_id", "channel", "created_at"))

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    notification_id: Mapped[str] = mapped_column(String(36), index=True)
    citizen_id: Mapped[str] = mapped_column(String(36))
    channel: Mapped[str] = mapped_column(String(16))  # sms, email
    # The rendered text may hold personal values, so it is sealed (AES-GCM).
    content_sealed: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(24))
    critical: Mapped[bool] = mapped_column(Boolean)
    # Why it went out although the citizen said no, or why it waited (quiet hours).
    reason: Mapped[str | None] = mapped_column(String(200), nullable=True)
    send_after: Mapped[datetime] = mapped_column(UtcDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    provider_ref: Mapped[str | None] = mapped_column(String(255), nullable=True)
    detail: Mapped[str | None] = mapped_column(String(200), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class SendKey(Base):
    """A caller's idempotency key for a send, honoured for 24 hours."""

    __tablename__ = "send_keys"

    key: Mapped[str] = mapped_column(String(128), primary_key=True)
    notification_id: Mapped[str] = mapped_column(String(36))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class Subscription(Base):
    """A citizen's consent to a partner's push of one template (a mini-program's
    subscription message): one-time credits, or long-term."""

    __tablename__ = "subscriptions"

    citizen_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    template_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    one_time_credits: Mapped[int] = mapped_column(Integer, default=0)
    long_term: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
