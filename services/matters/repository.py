"""Matters' queries: all of its SQL is here."""

from datetime import date

from sqlalchemy import delete, select

from chassis.db import insert_or_skip
from services.matters.domain.working_days import Calendar
from services.matters.models import CalendarDay, CatalogueService

_DAY = CalendarDay.__table__


def catalogue(session) -> list[CatalogueService]:
    """The whole catalogue, in its file's order."""
    return list(session.scalars(select(CatalogueService).order_by(CatalogueService.position)))


def catalogue_service(session, code: str) -> CatalogueService | None:
    return session.get(CatalogueService, code)


def replace_catalogue(session, rows: list[dict]) -> None:
    """The catalogue becomes `rows`: each written over its code, and a service the rows
    no longer hold taken out."""
    for row in rows:
        session.merge(CatalogueService(**row))
    session.execute(delete(CatalogueService).where(
        CatalogueService.code.not_in([row["code"] for row in rows])))


def calendar(session) -> Calendar:
    """The working-day calendar: every day the weekday rule gets wrong (a few dozen a
    year, so all of them)."""
    days = session.execute(select(CalendarDay.day, CalendarDay.working)).all()
    return Calendar(off=frozenset(d for d, working in days if not working),
                    on=frozenset(d for d, working in days if working))


def calendar_days(session, year: int | None = None) -> list[CalendarDay]:
    query = select(CalendarDay).order_by(CalendarDay.day)
    if year is not None:
        query = query.where(CalendarDay.day >= date(year, 1, 1),
                            CalendarDay.day <= date(year, 12, 31))
    return list(session.scalars(query))


def add_notice_days(session, rows: list[dict]) -> int:
    """The notice's days not yet in the calendar (a day already there, as the notice
    or ops set it, stays); how many went in."""
    connection = session.connection()
    return sum(connection.execute(insert_or_skip(connection, _DAY), row).rowcount
               for row in rows)


def set_day(session, day: date, working: bool, name: str) -> None:
    session.merge(CalendarDay(day=day, working=working, name=name, set_by="ops"))


def clear_day(session, day: date) -> bool:
    """The day back to the weekday rule; False if it was not in the calendar."""
    return session.execute(delete(CalendarDay).where(CalendarDay.day == day)).rowcount == 1
