"""Holding and booking a place, and the rules that keep places fair.

An appointment starts as a hold: `proposed` (FHIR), holding one of its slot's places
for HOLD_FOR. Booking it makes it `booked`, or `pending` while the department's
registration fee is paid. A hold that runs out, or a cancelled appointment, gives
its place back.

    proposed --> booked --> arrived
        |          |
        |          +------> cancelled | noshow
        +--> pending --> booked
        |       +------> cancelled
        +--> cancelled (let go, or run out)

A registration fee paid after its hold ran out books the place after all if it is
still free (use_cases/paying.py): the one move back from `cancelled`, and only for
an appointment that ran out, never for one the citizen cancelled.

Against hoarding, as real-name booking does it: a citizen has at most one place
(held or booked) per department per city day, and at most MAX_HOSPITAL places at
hospitals at once. Holds count: without that, a script could hold every place of
a morning five minutes at a time.
"""

from datetime import datetime, time, timedelta

from contracts.errors import Conflict
from contracts.time import CITY_TIME, city_day, iso_utc

PROPOSED, PENDING, BOOKED = "proposed", "pending", "booked"
ARRIVED, CANCELLED, NOSHOW = "arrived", "cancelled", "noshow"
STATUSES = (PROPOSED, PENDING, BOOKED, ARRIVED, CANCELLED, NOSHOW)
# These take a place of their slot and count against the citizen's limits.
ACTIVE = (PROPOSED, PENDING, BOOKED)

HOLD_FOR = timedelta(minutes=5)
MAX_HOSPITAL = 3
# Hospitals take cancellations until 18:00 city time the day before the visit.
HOSPITAL_CANCEL_BY = time(18, 0)

_NEXT = {
    PROPOSED: {PENDING, BOOKED, CANCELLED},
    PENDING: {BOOKED, CANCELLED},
    BOOKED: {ARRIVED, CANCELLED, NOSHOW},
    ARRIVED: set(), CANCELLED: {BOOKED}, NOSHOW: set(),
}


def can_move(current: str, new: str) -> bool:
    return new in _NEXT[current]


def check_holdable(opens_at: datetime, start: datetime, now: datetime) -> None:
    """A slot can be held once it is released and until it starts."""
    if now < opens_at:
        raise Conflict(f"this slot opens at {iso_utc(opens_at)}; ask again then",
                       field="slot_id", code="slot_not_released")
    if now >= start:
        raise Conflict("this slot has already started", field="slot_id", code="slot_past")


def check_hold(status: str, hold_expires_at: datetime | None, now: datetime,
               ended_because: str | None = None) -> None:
    """A hold can be booked while it holds its place."""
    if ended_because == "hold_expired" or (
            status == PROPOSED and hold_expires_at is not None and now >= hold_expires_at):
        raise Conflict("this hold ran out and its place went back; hold the slot again",
                       field="hold_id", code="hold_expired")
    if status != PROPOSED:
        raise Conflict(f"this hold is {status}, not holding a place", field="hold_id",
                       code="hold_not_active")


def one_per_department_per_day(day) -> Conflict:
    return Conflict(f"the citizen already has a place in this department on {day.isoformat()}",
                    field="slot_id", code="one_per_department_per_day")


def too_many_at_hospitals() -> Conflict:
    return Conflict(f"the citizen already has {MAX_HOSPITAL} hospital places held or booked; "
                    "cancel one first", field="slot_id", code="hospital_limit_reached")


def fully_booked() -> Conflict:
    return Conflict("every place of this slot is taken; try another or join its waitlist",
                    field="slot_id", code="fully_booked")


def cancel_deadline(kind: str, start: datetime) -> datetime:
    """Until when a visit can be cancelled: hospitals until 18:00 the day before (the
    place can still go to someone else), service halls until the visit starts."""
    if kind != "hospital":
        return start
    day_before = city_day(start) - timedelta(days=1)
    return datetime.combine(day_before, HOSPITAL_CANCEL_BY, CITY_TIME)


def check_cancellable(kind: str, status: str, start: datetime, now: datetime) -> None:
    if status not in (PENDING, BOOKED):
        raise Conflict(f"this appointment is {status}: there is nothing to cancel",
                       field="appointment_id", code="not_cancellable")
    deadline = cancel_deadline(kind, start)
    if now >= deadline:
        raise Conflict(f"cancellations closed at {iso_utc(deadline)}",
                       field="appointment_id", code="too_late_to_cancel")


def check_movable(kind: str, status: str, start: datetime, now: datetime) -> None:
    """A booked visit can move to another slot until its cancellation deadline."""
    if status != BOOKED:
        raise not_movable(status)
    deadline = cancel_deadline(kind, start)
    if now >= deadline:
        raise Conflict(f"changes closed at {iso_utc(deadline)}", field="appointment_id",
                       code="too_late_to_reschedule")


def not_movable(status: str) -> Conflict:
    return Conflict(f"this appointment is {status}: only a booked visit moves",
                    field="appointment_id", code="not_reschedulable")
