from datetime import datetime

from sqlalchemy import Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from chassis.messaging_tables import InboxRecord, OutboxRecord
from chassis.timestamps import UtcDateTime, utcnow


class Base(DeclarativeBase):
    pass


class Outbox(OutboxRecord, Base):
    pass


class Inbox(InboxRecord, Base):
    pass


# Encryption contexts of the sealed columns: a value sealed for one column does
# not open as another.
PHONE = "citizen.phone"
NAME = "citizen.name"
ID_NUMBER = "citizen.id_number"
EMAIL = "citizen.email"
FACE_RESULT = "citizen.face_result"


class Citizen(Base):
    __tablename__ = "citizens"
    __table_args__ = (
        UniqueConstraint("partner_id", "partner_user_id", name="uq_citizens_partner_user"),
        UniqueConstraint("partner_id", "id_number_index", name="uq_citizens_partner_id_number"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    partner_id: Mapped[str] = mapped_column(String(64))
    # The partner's own opaque user id: not personal data by itself.
    partner_user_id: Mapped[str] = mapped_column(String(128))
    phone_sealed: Mapped[str] = mapped_column(Text)
    phone_index: Mapped[str] = mapped_column(String(64), index=True)
    locale: Mapped[str] = mapped_column(String(8))
    assurance_level: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    # Set by the real-name check (level 2); sealed like the phone.
    name_sealed: Mapped[str | None] = mapped_column(Text, nullable=True)
    id_number_sealed: Mapped[str | None] = mapped_column(Text, nullable=True)
    id_number_index: Mapped[str | None] = mapped_column(String(64), nullable=True)
    # Set when the citizen confirms an address with a mailed code; sealed too.
    email_sealed: Mapped[str | None] = mapped_column(Text, nullable=True)
    email_confirmed_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)


# The reason of a real-name attempt still waiting for the registry's answer.
PENDING = "pending"


class RealNameFailure(Base):
    """A real-name attempt that counts for the lockout: a failure (reason
    identity_mismatch or identity_not_found), or one still waiting for the
    registry (PENDING), counted from before the registry is asked."""

    __tablename__ = "real_name_failures"
    __table_args__ = (Index("ix_real_name_failures_citizen", "citizen_id", "failed_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    citizen_id: Mapped[str] = mapped_column(String(36))
    reason: Mapped[str] = mapped_column(String(32))
    failed_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class Consent(Base):
    """A citizen let a partner read some verified attributes for one purpose."""

    __tablename__ = "consents"
    # Granting the same consent again (a retry, a twin request) is that consent: the
    # database keeps one active per partner, purpose and set of attributes.
    __table_args__ = (
        Index("ix_consents_citizen", "citizen_id", "partner_id"),
        Index("uq_consents_active", "citizen_id", "partner_id", "purpose", "attributes",
              unique=True, postgresql_where=text("revoked_at IS NULL"),
              sqlite_where=text("revoked_at IS NULL")),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    citizen_id: Mapped[str] = mapped_column(String(36))
    partner_id: Mapped[str] = mapped_column(String(64))
    attributes: Mapped[str] = mapped_column(String(200))  # comma separated, sorted
    purpose: Mapped[str] = mapped_column(String(200))
    granted_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)


class AccessLogEntry(Base):
    """Who read which of a citizen's personal data, when and why. Append-only."""

    __tablename__ = "access_log"
    __table_args__ = (UniqueConstraint("citizen_id", "prev_hash", name="uq_access_log_chain"),)

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    citizen_id: Mapped[str] = mapped_column(String(36))
    reader: Mapped[str] = mapped_column(String(64))
    attributes: Mapped[str] = mapped_column(String(200))
    purpose: Mapped[str] = mapped_column(String(200))
    read_at: Mapped[datetime] = mapped_column(UtcDateTime)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class FaceVerification(Base):
    """One face-and-liveness session with the provider."""

    __tablename__ = "face_verifications"
    __table_args__ = (Index("ix_face_verifications_citizen", "citizen_id"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    citizen_id: Mapped[str] = mapped_column(String(36))
    provider_session: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16))  # pending, passed, failed, expired
    result_sealed: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    completed_at: Mapped[datetime | None] = mapped_column(UtcDateTime,
                                                          nullable=True)
