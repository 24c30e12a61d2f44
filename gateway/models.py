from datetime import datetime

from sqlalchemy import Boolean, Integer, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from chassis.timestamps import UtcDateTime, utcnow


class Base(DeclarativeBase):
    pass


class Partner(Base):
    """A super-app that calls the API on behalf of its users."""

    __tablename__ = "partners"

    app_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    # HMAC needs the secret itself, so it is sealed (AES-GCM), not hashed.
    secret_sealed: Mapped[str] = mapped_column(Text)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # An institution's check-in kiosk: it may check in any citizen's visit there, and
    # nothing else of a citizen it did not register.
    kiosk_institution: Mapped[str | None] = mapped_column(String(64), nullable=True)
    # Requests a minute (`cityhub partner limits`); None: the settings' defaults.
    requests_per_minute: Mapped[int | None] = mapped_column(Integer, nullable=True)
    sensitive_per_minute: Mapped[int | None] = mapped_column(Integer, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
