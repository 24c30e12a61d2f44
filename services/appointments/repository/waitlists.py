"""Waitlists of full slots (use_cases/waitlist.py)."""

from sqlalchemy import select, update

from chassis.db import insert_or_skip
from services.appointments.models import WaitlistEntry

_WAITLIST = WaitlistEntry.__table__
WAITING = ("waiting", "offered")


def join(connection, row: dict) -> bool:
    """Put the citizen on the slot's waitlist; False if a twin request's entry came
    first (it stands)."""
    return connection.execute(insert_or_skip(connection, _WAITLIST), row).rowcount == 1


def wait_again(connection, entry_id: str, at) -> bool:
    """An entry that stopped waiting waits again, from `at`; False if it already was
    (a twin request moved it first)."""
    return connection.execute(update(_WAITLIST).where(
        _WAITLIST.c.id == entry_id, _WAITLIST.c.status.not_in(WAITING)).values(
        status="waiting", created_at=at, offered_at=None)).rowcount == 1


def entry(connection, entry_id: str):
    return connection.execute(select(_WAITLIST).where(_WAITLIST.c.id == entry_id)).first()


def entry_of(connection, slot_id: str, citizen_id: str):
    return connection.execute(select(_WAITLIST).where(
        _WAITLIST.c.slot_id == slot_id, _WAITLIST.c.citizen_id == citizen_id)).first()


def of_citizen(connection, citizen_id: str) -> list:
    return list(connection.execute(select(_WAITLIST).where(
        _WAITLIST.c.citizen_id == citizen_id, _WAITLIST.c.status.in_(WAITING))
        .order_by(_WAITLIST.c.created_at)))


def waiting_for(connection, slot_id: str) -> list:
    return list(connection.execute(select(_WAITLIST).where(
        _WAITLIST.c.slot_id == slot_id, _WAITLIST.c.status.in_(WAITING))
        .order_by(_WAITLIST.c.created_at)))


def stop_waiting(connection, slot_id: str, citizen_id: str) -> None:
    """The citizen took a place of the slot: off its waitlist, if they were on it."""
    connection.execute(update(_WAITLIST).where(
        _WAITLIST.c.slot_id == slot_id, _WAITLIST.c.citizen_id == citizen_id,
        _WAITLIST.c.status.in_(WAITING)).values(status="taken"))


def set_status(connection, entry_id: str, status: str, **values) -> None:
    connection.execute(update(_WAITLIST).where(_WAITLIST.c.id == entry_id)
                       .values(status=status, **values))
