"""Appointments' rules: when slots open, which slots a week makes, what a hold and an
appointment may do, and until when a visit can be cancelled."""

from datetime import UTC, date, datetime, time, timedelta

import pytest

from contracts.errors import Conflict, InvalidInput
from services.appointments.domain import booking, visits
from services.appointments.domain.schedules import (
    Pattern,
    Release,
    days_to_prepare,
    slots_of_day,
)

SEVEN_AT_SEVEN = Release(days_ahead=7, at=time(7, 0))
CLINIC = Pattern.from_dict({"weekdays": [0, 1, 2, 3, 4],
                            "sessions": [["08:00", "12:00"], ["14:00", "17:00"]],
                            "slot_minutes": 30, "places": 4})
WEDNESDAY = date(2026, 12, 2)


def city(day: date, hour: int, minute: int = 0) -> datetime:
    """A city-time moment (UTC+8), in UTC."""
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC) - timedelta(hours=8)


def test_a_days_slots_open_seven_days_ahead_at_seven_in_the_morning_city_time():
    assert SEVEN_AT_SEVEN.opens_at(WEDNESDAY) == city(date(2026, 11, 25), 7)


def test_the_furthest_open_day_moves_on_at_the_release_hour_and_not_before():
    before = city(date(2026, 11, 25), 6, 59)
    after = city(date(2026, 11, 25), 7, 0)
    assert SEVEN_AT_SEVEN.last_open_day(before) == date(2026, 12, 1)
    assert SEVEN_AT_SEVEN.last_open_day(after) == WEDNESDAY


def test_the_next_day_to_open_is_prepared_before_its_hour_so_it_can_be_shown():
    days = days_to_prepare(SEVEN_AT_SEVEN, city(date(2026, 11, 25), 6))
    assert days[0] == date(2026, 11, 25)
    assert days[-1] == WEDNESDAY  # opens at 07:00: there, not yet holdable


def test_a_clinic_day_is_cut_into_half_hour_slots_of_its_sessions():
    slots = slots_of_day(CLINIC, WEDNESDAY)
    assert len(slots) == 8 + 6
    assert (slots[0].start, slots[0].end) == (city(WEDNESDAY, 8), city(WEDNESDAY, 8, 30))
    assert slots[-1].end == city(WEDNESDAY, 17)
    assert {s.places for s in slots} == {4}


def test_a_clinic_makes_no_slots_on_a_day_it_does_not_work():
    assert slots_of_day(CLINIC, date(2026, 12, 5)) == []  # a Saturday
    assert slots_of_day(CLINIC, WEDNESDAY) != []  # control


@pytest.mark.parametrize("broken", [
    {"weekdays": [7]}, {"slot_minutes": 0}, {"places": 0},
    {"sessions": [["12:00", "08:00"]]}, {"sessions": [["noon", "13:00"]]},
])
def test_a_broken_pattern_is_refused(broken):
    good = {"weekdays": [0], "sessions": [["08:00", "12:00"]], "slot_minutes": 30, "places": 1}
    Pattern.from_dict(good)  # control
    with pytest.raises(InvalidInput):
        Pattern.from_dict({**good, **broken})


def test_a_slot_can_be_held_from_its_opening_until_it_starts():
    opens, start = city(date(2026, 11, 25), 7), city(WEDNESDAY, 8)
    booking.check_holdable(opens, start, opens)
    booking.check_holdable(opens, start, start - timedelta(seconds=1))
    with pytest.raises(Conflict) as early:
        booking.check_holdable(opens, start, opens - timedelta(seconds=1))
    with pytest.raises(Conflict) as late:
        booking.check_holdable(opens, start, start)
    assert (early.value.code, late.value.code) == ("slot_not_released", "slot_past")


def test_a_hold_can_be_booked_until_it_runs_out():
    now = city(WEDNESDAY, 8)
    booking.check_hold(booking.PROPOSED, now + booking.HOLD_FOR, now)
    with pytest.raises(Conflict) as ran_out:
        booking.check_hold(booking.PROPOSED, now, now)
    with pytest.raises(Conflict) as swept:
        booking.check_hold(booking.CANCELLED, None, now, "hold_expired")
    with pytest.raises(Conflict) as used:
        booking.check_hold(booking.BOOKED, None, now)
    with pytest.raises(Conflict) as let_go:
        booking.check_hold(booking.CANCELLED, None, now, "let_go")
    assert (ran_out.value.code, swept.value.code, used.value.code, let_go.value.code) == (
        "hold_expired", "hold_expired", "hold_not_active", "hold_not_active")


def test_a_hospital_visit_can_be_cancelled_until_six_in_the_evening_the_day_before():
    start = city(WEDNESDAY, 8)
    deadline = booking.cancel_deadline("hospital", start)
    assert deadline == city(date(2026, 12, 1), 18)
    booking.check_cancellable("hospital", booking.BOOKED, start, deadline - timedelta(seconds=1))
    with pytest.raises(Conflict) as refused:
        booking.check_cancellable("hospital", booking.BOOKED, start, deadline)
    assert refused.value.code == "too_late_to_cancel"


def test_a_service_hall_visit_can_be_cancelled_until_it_starts():
    start = city(WEDNESDAY, 9)
    booking.check_cancellable("service_hall", booking.BOOKED, start, start - timedelta(minutes=1))
    with pytest.raises(Conflict):
        booking.check_cancellable("service_hall", booking.BOOKED, start, start)


def test_only_a_pending_or_booked_appointment_can_be_cancelled():
    now = city(date(2026, 11, 25), 9)
    for status in (booking.ARRIVED, booking.CANCELLED, booking.NOSHOW):
        with pytest.raises(Conflict) as refused:
            booking.check_cancellable("hospital", status, city(WEDNESDAY, 8), now)
        assert refused.value.code == "not_cancellable"


def test_an_appointment_only_moves_forward():
    assert booking.can_move(booking.PROPOSED, booking.BOOKED)
    assert booking.can_move(booking.BOOKED, booking.CANCELLED)
    assert not booking.can_move(booking.CANCELLED, booking.PENDING)
    assert not booking.can_move(booking.ARRIVED, booking.NOSHOW)


def test_a_visit_checks_in_on_its_day_from_two_hours_before_until_half_an_hour_after():
    start, end = city(WEDNESDAY, 9), city(WEDNESDAY, 9, 30)
    visits.check_check_in("booked", start, end, start - timedelta(hours=2))
    visits.check_check_in("booked", start, end, end + timedelta(minutes=29))
    with pytest.raises(Conflict) as early:
        visits.check_check_in("booked", start, end, start - timedelta(hours=2, seconds=1))
    with pytest.raises(Conflict) as late:
        visits.check_check_in("booked", start, end, end + timedelta(minutes=30))
    with pytest.raises(Conflict) as cancelled:
        visits.check_check_in("cancelled", start, end, start)
    assert (early.value.code, late.value.code, cancelled.value.code) == (
        "too_early_to_check_in", "too_late_to_check_in", "not_checkable")


def test_an_early_morning_visit_cannot_be_checked_in_the_evening_before():
    start = city(WEDNESDAY, 1)  # 01:00: two hours before is the day before
    with pytest.raises(Conflict):
        visits.check_check_in("booked", start, start + timedelta(minutes=30),
                              start - timedelta(hours=1, minutes=30))


def test_queue_numbers_are_the_departments_letter_and_three_digits():
    assert [visits.queue_number("A", n) for n in (1, 2, 999, 1000)] == [
        "A001", "A002", "A999", "A1000"]


def test_three_no_shows_within_90_days_suspend_hospital_booking_90_days_from_the_third():
    first = city(date(2026, 9, 1), 9)
    strikes = [first, first + timedelta(days=30), first + timedelta(days=80)]
    lifts = strikes[2] + timedelta(days=90)
    assert visits.suspended_until(strikes, strikes[2]) == lifts
    assert visits.suspended_until(strikes, lifts - timedelta(seconds=1)) == lifts
    assert visits.suspended_until(strikes, lifts) is None


def test_two_no_shows_or_three_spread_over_more_than_90_days_suspend_nothing():
    first = city(date(2026, 9, 1), 9)
    assert visits.suspended_until([first, first + timedelta(days=1)], first) is None
    spread = [first, first + timedelta(days=50), first + timedelta(days=91)]
    assert visits.suspended_until(spread, spread[2]) is None
    close = [first, first + timedelta(days=50), first + timedelta(days=90)]
    assert visits.suspended_until(close, close[2]) is not None  # control: exactly 90 days


def test_a_visit_is_reminded_at_eight_the_evening_before_and_two_hours_before():
    start = city(WEDNESDAY, 9)
    assert visits.reminders(start, city(date(2026, 11, 25), 10)) == {
        "evening_before": city(date(2026, 12, 1), 20),
        "two_hours_before": city(WEDNESDAY, 7)}


def test_a_visit_booked_late_is_reminded_only_of_what_is_still_to_come():
    start = city(WEDNESDAY, 9)
    assert visits.reminders(start, city(date(2026, 12, 1), 21)) == {
        "two_hours_before": city(WEDNESDAY, 7)}
    assert visits.reminders(start, city(WEDNESDAY, 8)) == {}
