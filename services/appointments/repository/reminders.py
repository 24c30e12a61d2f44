"""Reminders of visits (use_cases/reminding.py): written, moved and cancelled with the
appointment, sent while it is booked."""

from datetime import datetime

from sqlalchemy import select, update

from chassis.db import insert_or_skip
from services.appointments.domain.visits import REMINDER_KINDS
from services.appointments.models import Reminder

_REMINDER = Reminder.__table__


def _of(appointment_id: str) -> tuple:
    """A visit's reminders, by their whole key: with the appointment alone, SQLite
    chose the (status, send_at) index and read every scheduled reminder on each booking
    (a quarter of appointments' time under load)."""
    return (_REMINDER.c.appointment_id == appointment_id, _REMINDER.c.kind.in_(REMINDER_KINDS))


def schedule(connection, appointment_id: str, times: dict) -> None:
    """The visit's reminders from now on: any still scheduled are dropped first (a move)."""
    connection.execute(_REMINDER.delete().where(*_of(appointment_id),
                                                _REMINDER.c.status == "scheduled"))
    rows = [{"appointment_id": appointment_id, "kind": kind, "send_at": at,
             "status": "scheduled"} for kind, at in times.items()]
    if rows:
        connection.execute(insert_or_skip(connection, _REMINDER), rows)


def cancel(connection, appointment_id: str) -> None:
    connection.execute(update(_REMINDER).where(*_of(appointment_id),
                                               _REMINDER.c.status == "scheduled")
                       .values(status="cancelled"))


def due(connection, now: datetime, limit: int) -> list:
    return list(connection.execute(select(_REMINDER).where(
        _REMINDER.c.status == "scheduled", _REMINDER.c.send_at <= now)
        .order_by(_REMINDER.c.send_at).limit(limit)))


def mark_sent(connection, appointment_id: str, kind: str) -> bool:
    """Sent, if it is still scheduled (a cancellation committed first cancelled it)."""
    return connection.execute(
        update(_REMINDER).where(_REMINDER.c.appointment_id == appointment_id,
                                _REMINDER.c.kind == kind, _REMINDER.c.status == "scheduled")
        .values(status="sent")).rowcount == 1
