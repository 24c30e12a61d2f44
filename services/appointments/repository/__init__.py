"""Every query appointments makes (reminders.py and waitlists.py hold those of reminders
and waitlists). The rules that must hold under concurrency lean on
the database: a slot's `taken` and a citizen's hospital load move by conditional
UPDATEs under CHECK constraints, and one place per department per day is a partial
unique index, so two requests at once cannot both win."""

from datetime import date, datetime

from sqlalchemy import bindparam, or_, select, update
from sqlalchemy.orm import Session

from chassis.db import insert_or_skip
from services.appointments.domain.booking import (
    ACTIVE,
    BOOKED,
    MAX_HOSPITAL,
    NOSHOW,
    PROPOSED,
)
from services.appointments.models import (
    Appointment,
    CitizenLoad,
    Department,
    Institution,
    QueueCounter,
    Schedule,
    Slot,
)

_SLOT, _APPOINTMENT, _LOAD = Slot.__table__, Appointment.__table__, CitizenLoad.__table__


def institutions(session: Session, kind: str | None = None) -> list[Institution]:
    query = select(Institution).order_by(Institution.kind, Institution.id)
    if kind:
        query = query.where(Institution.kind == kind)
    return list(session.scalars(query))


def institution(connection, institution_id: str):
    return connection.execute(select(Institution.__table__).where(
        Institution.__table__.c.id == institution_id)).first()


def departments(connection, institution_id: str) -> list:
    table = Department.__table__
    return list(connection.execute(select(table).where(
        table.c.institution_id == institution_id).order_by(table.c.id)))


def department(connection, department_id: str):
    table = Department.__table__
    return connection.execute(select(table).where(table.c.id == department_id)).first()


def schedules(connection) -> list:
    """Every schedule, with its department's institution_id."""
    table, departments_table = Schedule.__table__, Department.__table__
    return list(connection.execute(
        select(table, departments_table.c.institution_id)
        .join(departments_table, departments_table.c.id == table.c.department_id)
        .order_by(table.c.id)))


# -- slots ----------------------------------------------------------------------------

def add_slots(connection, rows: list[dict]) -> int:
    """Insert slots in one statement, skipping any another process made at the same
    moment (a schedule's start is unique); how many were asked for."""
    if rows:
        connection.execute(insert_or_skip(connection, _SLOT), rows)
    return len(rows)


def prepared_days(connection, schedule_id: str, first: date) -> set[date]:
    """The days from `first` on whose slots the schedule already has."""
    return set(connection.execute(select(_SLOT.c.day).distinct().where(
        _SLOT.c.schedule_id == schedule_id, _SLOT.c.day >= first)).scalars())


def slots(connection, institution_id: str, department_id: str | None, start: datetime,
          end: datetime) -> list:
    query = (select(_SLOT, Schedule.__table__.c.name_zh, Schedule.__table__.c.name_en)
             .join(Schedule.__table__, Schedule.__table__.c.id == _SLOT.c.schedule_id)
             .where(_SLOT.c.institution_id == institution_id, _SLOT.c.start >= start,
                    _SLOT.c.start < end)
             .order_by(_SLOT.c.start, _SLOT.c.department_id, _SLOT.c.schedule_id))
    if department_id is not None:
        query = query.where(_SLOT.c.department_id == department_id)
    return list(connection.execute(query))


SELECT_SLOT = select(_SLOT).where(_SLOT.c.id == bindparam("slot_id"))
TAKE_PLACE = (update(_SLOT).where(_SLOT.c.id == bindparam("slot_id"),
                                  _SLOT.c.taken < _SLOT.c.places)
              .values(taken=_SLOT.c.taken + 1))
GIVE_BACK = (update(_SLOT).where(_SLOT.c.id == bindparam("slot_id"), _SLOT.c.taken > 0)
             .values(taken=_SLOT.c.taken - 1))


def slot(connection, slot_id: str):
    return connection.execute(SELECT_SLOT, {"slot_id": slot_id}).first()


def take_place(connection, slot_id: str) -> bool:
    """One place of the slot, if one is left: the UPDATE's condition decides, and it
    waits for a concurrent one on the same row, so the last place goes once."""
    return connection.execute(TAKE_PLACE, {"slot_id": slot_id}).rowcount == 1


def give_place_back(connection, slot_id: str) -> None:
    connection.execute(GIVE_BACK, {"slot_id": slot_id})


# -- citizens' hospital load ----------------------------------------------------------

ADD_HOSPITAL = (update(_LOAD).where(_LOAD.c.citizen_id == bindparam("whose"),
                                    _LOAD.c.hospital_active < MAX_HOSPITAL)
                .values(hospital_active=_LOAD.c.hospital_active + 1))
DROP_HOSPITAL = (update(_LOAD).where(_LOAD.c.citizen_id == bindparam("whose"),
                                     _LOAD.c.hospital_active > 0)
                 .values(hospital_active=_LOAD.c.hospital_active - 1))


def add_hospital_place(connection, citizen_id: str) -> bool:
    """Count one more hospital place for the citizen; False at the limit."""
    connection.execute(insert_or_skip(connection, _LOAD),
                       {"citizen_id": citizen_id, "hospital_active": 0})
    return connection.execute(ADD_HOSPITAL, {"whose": citizen_id}).rowcount == 1


def drop_hospital_place(connection, citizen_id: str) -> None:
    connection.execute(DROP_HOSPITAL, {"whose": citizen_id})


# -- appointments and holds -----------------------------------------------------------

SELECT_APPOINTMENT = select(_APPOINTMENT).where(_APPOINTMENT.c.id == bindparam("id"))


def appointment(connection, appointment_id: str):
    return connection.execute(SELECT_APPOINTMENT, {"id": appointment_id}).first()


def add_appointment(connection, row: dict) -> None:
    connection.execute(_APPOINTMENT.insert(), [row])


def move(connection, appointment_id: str, from_states, to_state: str, now: datetime,
         **values) -> bool:
    """Move an appointment on from one of `from_states`; False if it had moved already
    (a concurrent request, the sweep): the UPDATE's condition decides."""
    result = connection.execute(
        update(_APPOINTMENT)
        .where(_APPOINTMENT.c.id == appointment_id, _APPOINTMENT.c.status.in_(from_states))
        .values(status=to_state, updated_at=now, **values))
    return result.rowcount == 1


def active_on_day(connection, citizen_id: str, department_id: str, day: date):
    return connection.execute(select(_APPOINTMENT).where(
        _APPOINTMENT.c.citizen_id == citizen_id, _APPOINTMENT.c.department_id == department_id,
        _APPOINTMENT.c.day == day, _APPOINTMENT.c.status.in_(ACTIVE))).first()


def appointments_of(connection, citizen_id: str) -> list:
    return list(connection.execute(select(_APPOINTMENT).where(
        _APPOINTMENT.c.citizen_id == citizen_id, _APPOINTMENT.c.status != PROPOSED)
        .order_by(_APPOINTMENT.c.start)))


def relocate(connection, appointment_id: str, slot, now: datetime) -> bool:
    """Put a booked appointment on another slot; False if it is no longer booked."""
    result = connection.execute(
        update(_APPOINTMENT)
        .where(_APPOINTMENT.c.id == appointment_id, _APPOINTMENT.c.status == BOOKED)
        .values(slot_id=slot.id, day=slot.day, start=slot.start, end=slot.end,
                updated_at=now))
    return result.rowcount == 1


def by_payment(connection, payment_id: str):
    return connection.execute(select(_APPOINTMENT).where(
        _APPOINTMENT.c.payment_id == payment_id)).first()


def set_values(connection, appointment_id: str, **values) -> None:
    connection.execute(update(_APPOINTMENT).where(_APPOINTMENT.c.id == appointment_id)
                       .values(**values))


def _refund_due(stale_before: datetime):
    """A fee refund to ask payments for: due, or taken by a replica that then died."""
    return or_(_APPOINTMENT.c.refund_state == "due",
               (_APPOINTMENT.c.refund_state == "asking")
               & (_APPOINTMENT.c.updated_at <= stale_before))


def refunds_due(connection, stale_before: datetime, limit: int) -> list:
    return list(connection.execute(select(_APPOINTMENT).where(
        _refund_due(stale_before)).limit(limit)))


def take_refund(connection, appointment_id: str, now: datetime,
                stale_before: datetime) -> bool:
    """This replica's turn to ask for the fee refund (a conditional update, as in
    chassis/claims.py, on the refund's own state)."""
    return connection.execute(update(_APPOINTMENT).where(
        _APPOINTMENT.c.id == appointment_id, _refund_due(stale_before))
        .values(refund_state="asking", updated_at=now)).rowcount == 1


def holds_run_out(connection, now: datetime, limit: int) -> list[str]:
    return list(connection.execute(select(_APPOINTMENT.c.id).where(
        _APPOINTMENT.c.status == PROPOSED, _APPOINTMENT.c.hold_expires_at <= now)
        .order_by(_APPOINTMENT.c.hold_expires_at).limit(limit)).scalars())


def visits_missed(connection, before: datetime, limit: int) -> list:
    """Booked visits whose check-in closed before `before`."""
    return list(connection.execute(select(_APPOINTMENT).where(
        _APPOINTMENT.c.status == BOOKED, _APPOINTMENT.c.end < before)
        .order_by(_APPOINTMENT.c.end).limit(limit)))


def hospital_noshows(connection, citizen_id: str, since: datetime) -> list[datetime]:
    """When the citizen's missed hospital visits were, since `since`."""
    return list(connection.execute(select(_APPOINTMENT.c.end).where(
        _APPOINTMENT.c.citizen_id == citizen_id, _APPOINTMENT.c.kind == "hospital",
        _APPOINTMENT.c.status == NOSHOW, _APPOINTMENT.c.end >= since)).scalars())


_QUEUE = QueueCounter.__table__


NEXT_NUMBER = (update(_QUEUE).where(_QUEUE.c.department_id == bindparam("department"),
                                    _QUEUE.c.day == bindparam("on_day"))
               .values(last=_QUEUE.c.last + 1).returning(_QUEUE.c.last))


def next_queue_number(connection, department_id: str, day: date) -> int:
    """The department's next number of the day. The UPDATE holds the counter's row
    until the check-in commits, so two check-ins at once get two numbers in turn."""
    connection.execute(insert_or_skip(connection, _QUEUE),
                       {"department_id": department_id, "day": day, "last": 0})
    return connection.execute(NEXT_NUMBER, {"department": department_id,
                                            "on_day": day}).scalar_one()


def appointment_locked(connection, appointment_id: str):
    """The appointment, its row held until commit (PostgreSQL; SQLite has one writer)."""
    return connection.execute(select(_APPOINTMENT).where(_APPOINTMENT.c.id == appointment_id)
                              .with_for_update()).first()
