"""When the SLA watch calls a deadline near or overdue, in working days."""

from datetime import UTC, date, datetime

from services.matters.domain.deadlines import NEAR, ON_TIME, OVERDUE, standing
from services.matters.domain.working_days import Calendar

CALENDAR = Calendar(off=frozenset({date(2026, 12, 31)}))
# Ends Wednesday 2 December 2026, city time (midnight into the 3rd, 16:00 UTC the 2nd).
DUE = datetime(2026, 12, 2, 16, 0, tzinfo=UTC)


def at(day: int, hour_utc: int = 2) -> datetime:
    return datetime(2026, 12, day, hour_utc, 0, tzinfo=UTC)


def test_a_deadline_two_working_days_off_is_on_time():
    assert standing(CALENDAR, DUE, datetime(2026, 11, 30, 2, 0, tzinfo=UTC)) == ON_TIME


def test_a_deadline_ending_today_or_the_next_working_day_is_near():
    assert standing(CALENDAR, DUE, at(1)) == NEAR  # Tuesday: one working day left
    assert standing(CALENDAR, DUE, at(2)) == NEAR  # the day itself


def test_a_deadline_passed_is_overdue_from_city_midnight():
    assert standing(CALENDAR, DUE, DUE) == OVERDUE
    assert standing(CALENDAR, DUE, at(2, 15)) == NEAR  # 23:00 city time: still the day


def test_a_weekend_between_keeps_a_monday_deadline_on_time_on_thursday():
    monday_end = datetime(2026, 12, 7, 16, 0, tzinfo=UTC)  # ends Monday 7 December
    assert standing(CALENDAR, monday_end, at(3)) == ON_TIME  # Thursday
    assert standing(CALENDAR, monday_end, at(4)) == NEAR  # Friday: Monday is next
