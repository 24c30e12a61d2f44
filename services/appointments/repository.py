"""Every query appointments makes. The rules that must hold under concurrency lean on
the database: a slot's `taken` and a citizen's hospital load move by conditional
UPDATEs under CHECK constraints, and one place per department per day is a partial
unique index, so two requests at once cannot both win."""

from datetime import date, datetime
from functools import cache

from sqlalchemy import and_, bindparam, func, select, update
from sqlalchemy.orm import Session

from chassis.db import upsert
from services.appointments.domain.booking import ACTIVE, MAX_HOSPITAL, PROPOSED
from services.appointments.models import (
    Appointment,
    CitizenLoad,
    Department,
    Institution,
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

@cache
def _insert_slot(dialect: str):
    return upsert(dialect, _SLOT).on_conflict_do_nothing()


def add_slots(connection, rows: list[dict]) -> int:
    """Insert the slots not already there (a schedule's start is unique); how many."""
    made = 0
    for row in rows:
        made += connection.execute(_insert_slot(connection.dialect.name), row).rowcount
    return made


def prepared_until(connection, schedule_id: str) -> date | None:
    return connection.execute(select(func.max(_SLOT.c.day)).where(
        _SLOT.c.schedule_id == schedule_id)).scalar()


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

@cache
def _new_load(dialect: str):
    return upsert(dialect, _LOAD).on_conflict_do_nothing()


ADD_HOSPITAL = (update(_LOAD).where(_LOAD.c.citizen_id == bindparam("whose"),
                                    _LOAD.c.hospital_active < MAX_HOSPITAL)
                .values(hospital_active=_LOAD.c.hospital_active + 1))
DROP_HOSPITAL = (update(_LOAD).where(_LOAD.c.citizen_id == bindparam("whose"),
                                     _LOAD.c.hospital_active > 0)
                 .values(hospital_active=_LOAD.c.hospital_active - 1))


def add_hospital_place(connection, citizen_id: str) -> bool:
    """Count one more hospital place for the citizen; False at the limit."""
    connection.execute(_new_load(connection.dialect.name),
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


def holds_run_out(connection, now: datetime, limit: int) -> list[str]:
    return list(connection.execute(select(_APPOINTMENT.c.id).where(and_(
        _APPOINTMENT.c.status == PROPOSED, _APPOINTMENT.c.hold_expires_at <= now))
        .order_by(_APPOINTMENT.c.hold_expires_at).limit(limit)).scalars())
