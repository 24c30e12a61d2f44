"""The visit itself: checking in at the institution, the queue number it gives, and
what happens to those who do not come.

The citizen is reminded the evening before and two hours before. A booked visit can
be checked in on its day, from two hours before its slot until
NOSHOW_AFTER past its end; after that it is a no-show. Three no-shows at hospitals
within 90 days suspend the citizen's hospital booking for 90 days from the third:
places a citizen books and does not use are places another patient did not get.
"""

from datetime import datetime, time, timedelta

from contracts.errors import Conflict, Forbidden
from contracts.time import CITY_TIME, city_day, iso_utc

CHECK_IN_FROM = timedelta(hours=2)
# Reminders: the evening before (20:00 city time) and two hours before.
EVENING, BEFORE = time(20, 0), timedelta(hours=2)
REMINDER_KINDS = ("evening_before", "two_hours_before")
NOSHOW_AFTER = timedelta(minutes=30)
STRIKES, STRIKE_WINDOW, SUSPENDED_FOR = 3, timedelta(days=90), timedelta(days=90)


def check_check_in(status: str, start: datetime, end: datetime, now: datetime) -> None:
    if status != "booked":
        raise Conflict(f"this appointment is {status}: only a booked visit checks in",
                       field="appointment_id", code="not_checkable")
    if now < start - CHECK_IN_FROM or city_day(now) != city_day(start):
        raise Conflict(f"check-in opens at {iso_utc(start - CHECK_IN_FROM)}",
                       field="appointment_id", code="too_early_to_check_in")
    if now >= noshow_at(end):
        raise Conflict("the visit's time has passed", field="appointment_id",
                       code="too_late_to_check_in")


def not_checkable_now() -> Conflict:
    return Conflict("the appointment changed while checking in; look at it again",
                    field="appointment_id", code="not_checkable")


def reminders(start: datetime, now: datetime) -> dict[str, datetime]:
    """When to remind a citizen of a visit at `start`, booked (or moved) at `now`: the
    evening before and two hours before, each only if it is still to come."""
    evening = datetime.combine(city_day(start) - timedelta(days=1), EVENING, CITY_TIME)
    times = dict(zip(REMINDER_KINDS, (evening, start - BEFORE), strict=True))
    return {kind: at for kind, at in times.items() if at > now}


def noshow_at(end: datetime) -> datetime:
    """When a booked visit not checked in becomes a no-show."""
    return end + NOSHOW_AFTER


def queue_number(prefix: str, number: int) -> str:
    """The department's number of the day: A001, A002… (four digits past 999)."""
    return f"{prefix}{number:03d}"


def suspended_until(noshows: list[datetime], now: datetime) -> datetime | None:
    """When hospital booking opens again for a citizen with these no-shows (their
    moments), or None if it is open: three within 90 days suspend it for 90 days from
    the third."""
    moments = sorted(noshows)
    lifts = [moments[i] + SUSPENDED_FOR for i in range(STRIKES - 1, len(moments))
             if moments[i] - moments[i - STRIKES + 1] <= STRIKE_WINDOW]
    latest = max(lifts, default=None)
    return latest if latest is not None and now < latest else None


def booking_suspended(until: datetime) -> Forbidden:
    return Forbidden(f"three missed visits: hospital booking is suspended until "
                     f"{iso_utc(until)}", field="slot_id", code="booking_suspended")
