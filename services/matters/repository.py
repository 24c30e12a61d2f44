"""Matters' queries: all of its SQL is here."""

import uuid
from datetime import date, datetime

from sqlalchemy import bindparam, delete, func, insert, select, update

from chassis.claims import take
from chassis.db import insert_or_skip
from services.matters.domain.working_days import Calendar
from services.matters.models import (
    AgencyCursor,
    AgencyMessage,
    CalendarDay,
    CatalogueService,
    DayCounter,
    Matter,
    MatterStep,
    Rating,
    RectificationTask,
)

_DAY = CalendarDay.__table__


def catalogue(session) -> list[CatalogueService]:
    """The whole catalogue, in its file's order."""
    return list(session.scalars(select(CatalogueService).order_by(CatalogueService.position)))


def levels(session) -> dict:
    """The level each fee and each kind of booking needs, as the catalogue says."""
    fees, bookings = {}, {}
    for service in catalogue(session):
        if service.fee_code:
            fees[service.fee_code] = service.required_assurance_level
        if service.books:
            bookings[service.books] = service.required_assurance_level
    return {"fees": fees, "bookings": bookings}


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


_MATTER, _STEP, _COUNTER = Matter.__table__, MatterStep.__table__, DayCounter.__table__
_NEXT_NUMBER = (update(_COUNTER).where(_COUNTER.c.day == bindparam("on_day"))
                .values(last=_COUNTER.c.last + 1).returning(_COUNTER.c.last))


def next_of_the_day(connection, day: date) -> int:
    """The city day's next matter number. The UPDATE holds the day's row until the
    opening matter commits, so two matters at once get two numbers in turn."""
    connection.execute(insert_or_skip(connection, _COUNTER), {"day": day, "last": 0})
    return connection.execute(_NEXT_NUMBER, {"on_day": day}).scalar_one()


def add_matter(connection, row: dict) -> None:
    connection.execute(insert(_MATTER), row)


def add_step(connection, row: dict) -> None:
    """The matter's next step; its position is one past the last."""
    position = connection.execute(select(func.coalesce(func.max(_STEP.c.position), 0))
                                  .where(_STEP.c.matter_id == row["matter_id"])).scalar_one()
    connection.execute(insert(_STEP), {**row, "position": position + 1})


def matter(connection, tracking_number: str):
    return connection.execute(select(_MATTER).where(
        _MATTER.c.tracking_number == tracking_number)).first()


def open_matter(connection, citizen_id: str, service_code: str):
    """The citizen's open application for the service, if any."""
    return connection.execute(select(_MATTER).where(
        _MATTER.c.citizen_id == citizen_id, _MATTER.c.service_code == service_code,
        _MATTER.c.closed_at.is_(None), _MATTER.c.kind == "application")).first()


def followed(connection, kind: str, source_id: str):
    """The matter following this payment or appointment, if one was opened."""
    return connection.execute(select(_MATTER).where(
        _MATTER.c.kind == kind, _MATTER.c.source_id == source_id)).first()


def matters_of(connection, citizen_id: str) -> list:
    return list(connection.execute(select(_MATTER).where(_MATTER.c.citizen_id == citizen_id)
                                   .order_by(_MATTER.c.opened_at.desc())))


def steps(connection, matter_id: str) -> list:
    """The matter's timeline in the order things happened (an event that came late
    takes its place by its moment)."""
    return list(connection.execute(select(_STEP).where(_STEP.c.matter_id == matter_id)
                                   .order_by(_STEP.c.at, _STEP.c.position)))


def opened_by(connection, matter_id: str, at: datetime) -> None:
    """The matter began no later than `at` (an event of its start that came late)."""
    connection.execute(update(_MATTER).where(_MATTER.c.id == matter_id,
                                             _MATTER.c.opened_at > at).values(opened_at=at))


def move_matter(connection, matter_id: str, from_state: str, **values) -> bool:
    """Move the matter on, if it is still in `from_state` (a move made at the same time
    by the other side came first otherwise)."""
    return connection.execute(update(_MATTER).where(
        _MATTER.c.id == matter_id, _MATTER.c.state == from_state).values(**values)
    ).rowcount == 1


# -- what the hub owes agencies, and what they decided ------------------------------

_MESSAGE = AgencyMessage.__table__


def owe_agency(connection, agency: str, kind: str, matter, now: datetime, **body) -> None:
    """A message for the agency about `matter`, sent by the exchange timer."""
    message_id = str(uuid.uuid4())
    connection.execute(insert(_MESSAGE), {
        "id": message_id, "agency": agency, "kind": kind,
        "tracking_number": matter.tracking_number,
        "body": {"message_id": message_id, "kind": kind,
                 "tracking_number": matter.tracking_number, **body},
        "created_at": now, "next_attempt_at": now, "attempts": 0})


def messages_due(connection, now: datetime, limit: int) -> list:
    return list(connection.execute(
        select(_MESSAGE).where(_MESSAGE.c.sent_at.is_(None), _MESSAGE.c.next_attempt_at <= now)
        .order_by(_MESSAGE.c.next_attempt_at).limit(limit)))


def take_message(connection, message_id: str, now: datetime, until: datetime) -> bool:
    """This replica's turn to post the message (chassis/claims.py)."""
    return take(connection, _MESSAGE.c.next_attempt_at, _MESSAGE.c.id, message_id, now, until)


def message_sent(connection, message_id: str, now: datetime, answer: dict) -> None:
    connection.execute(update(_MESSAGE).where(_MESSAGE.c.id == message_id)
                       .values(sent_at=now, answer=answer))


def message_later(connection, message_id: str, attempts: int, at: datetime) -> None:
    connection.execute(update(_MESSAGE).where(_MESSAGE.c.id == message_id)
                       .values(attempts=attempts, next_attempt_at=at))


def messages_to(connection, tracking_number: str) -> list:
    return list(connection.execute(select(_MESSAGE).where(
        _MESSAGE.c.tracking_number == tracking_number).order_by(_MESSAGE.c.created_at)))


def agencies_awaited(session) -> list[str]:
    """The agencies with an open application or rectification task: the ones whose
    decisions to read."""
    deciding = set(session.scalars(
        select(CatalogueService.agency).distinct().join(
            Matter, Matter.service_code == CatalogueService.code)
        .where(Matter.closed_at.is_(None))))
    rectifying = set(session.scalars(select(RectificationTask.agency).distinct().where(
        RectificationTask.closed_at.is_(None))))
    return sorted(deciding | rectifying)


def decisions_read(session, agency: str) -> int:
    cursor = session.get(AgencyCursor, agency)
    return cursor.last_seq if cursor else 0


def read_up_to(session, agency: str, seq: int) -> None:
    cursor = session.get(AgencyCursor, agency)
    if cursor is None:
        session.add(AgencyCursor(agency=agency, last_seq=seq))
    else:
        cursor.last_seq = max(cursor.last_seq, seq)


# -- the SLA watch ----------------------------------------------------------------

def open_with_deadlines(connection) -> list:
    """Every open matter with a clock running (a few thousand at most: read whole)."""
    return list(connection.execute(select(_MATTER).where(
        _MATTER.c.closed_at.is_(None), _MATTER.c.due_at.is_not(None))))


def mark_told(connection, matter_id: str, state: str, told: str) -> bool:
    """Record what the agency was told of the current deadline; False if the matter
    moved meanwhile or it was told already."""
    return connection.execute(update(_MATTER).where(
        _MATTER.c.id == matter_id, _MATTER.c.state == state,
        (_MATTER.c.deadline_told.is_(None)) | (_MATTER.c.deadline_told != told))
        .values(deadline_told=told)).rowcount == 1


# -- ratings and their rectification -------------------------------------------------

_TASK = RectificationTask.__table__


def rating(session, matter_id: str) -> Rating | None:
    return session.get(Rating, matter_id)


def add_rating(session, rating_row: Rating, task: RectificationTask | None) -> None:
    session.add(rating_row)
    if task is not None:
        session.add(task)


def open_task(session, tracking_number: str) -> RectificationTask | None:
    return session.scalars(select(RectificationTask).where(
        RectificationTask.tracking_number == tracking_number,
        RectificationTask.closed_at.is_(None))).first()


def open_tasks(connection) -> list:
    return list(connection.execute(select(_TASK).where(_TASK.c.closed_at.is_(None))))


def mark_task_overdue_told(connection, task_id: str) -> bool:
    return connection.execute(update(_TASK).where(
        _TASK.c.id == task_id, _TASK.c.overdue_told.is_(False))
        .values(overdue_told=True)).rowcount == 1


def ratings_report(session, since: datetime | None = None) -> list:
    """(agency, level, count) of ratings given since `since`."""
    query = (select(CatalogueService.agency, Rating.level, func.count())
             .join(Matter, Matter.id == Rating.matter_id)
             .join(CatalogueService, CatalogueService.code == Matter.service_code)
             .group_by(CatalogueService.agency, Rating.level))
    if since is not None:
        query = query.where(Rating.rated_at >= since)
    return list(session.execute(query))


def tasks(session, since: datetime | None = None) -> list[RectificationTask]:
    query = select(RectificationTask).order_by(RectificationTask.opened_at)
    if since is not None:
        query = query.where(RectificationTask.opened_at >= since)
    return list(session.scalars(query))
