"""Appointments' rules, in plain Python."""

from datetime import date, timedelta

from contracts.errors import Conflict, InvalidInput

KINDS = ("hospital", "service_hall")
PERIODS = ("morning", "afternoon")
# Visits are booked from tomorrow up to two weeks ahead, as city hospitals do.
BOOKING_WINDOW_DAYS = 14
BOOKED = "booked"

def check_kind(kind: str | None) -> None:
    if kind is not None and kind not in KINDS:
        raise InvalidInput(f"kind must be one of {', '.join(KINDS)}", field="kind")


def check_slot(day: date, period: str, today: date) -> None:
    if period not in PERIODS:
        raise InvalidInput(f"period must be one of {', '.join(PERIODS)}", field="period")
    if not today < day <= today + timedelta(days=BOOKING_WINDOW_DAYS):
        raise InvalidInput(f"day must be from tomorrow to {BOOKING_WINDOW_DAYS} days ahead",
                           field="day", code="day_out_of_range")


def check_places(booked: int, places: int) -> None:
    if booked >= places:
        raise Conflict("no places are left that morning or afternoon; try another",
                       field="period", code="fully_booked")
