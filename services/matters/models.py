from datetime import date

from sqlalchemy import JSON, Boolean, Date, Integer, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


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


class CalendarDay(Base):
    """A day the weekday rule gets wrong: a weekday off (`working` false) or a weekend
    day worked (true), from the holiday notice (`set_by` "notice") or by ops ("ops")."""

    __tablename__ = "calendar_days"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    working: Mapped[bool] = mapped_column(Boolean)
    name: Mapped[str] = mapped_column(String(100))
    set_by: Mapped[str] = mapped_column(String(16))
