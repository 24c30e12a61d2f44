from datetime import date, timedelta

import pytest

from contracts.errors import Conflict, InvalidInput
from services.appointments.domain import BOOKING_WINDOW_DAYS, check_places, check_slot

TODAY = date(2026, 11, 23)


def test_a_visit_can_be_booked_for_tomorrow_and_up_to_two_weeks_ahead():
    check_slot(TODAY + timedelta(days=1), "morning", TODAY)
    check_slot(TODAY + timedelta(days=BOOKING_WINDOW_DAYS), "afternoon", TODAY)


@pytest.mark.parametrize("days_ahead", [0, -1, BOOKING_WINDOW_DAYS + 1])
def test_a_visit_today_in_the_past_or_beyond_two_weeks_is_refused(days_ahead):
    with pytest.raises(InvalidInput) as refused:
        check_slot(TODAY + timedelta(days=days_ahead), "morning", TODAY)
    assert refused.value.code == "day_out_of_range"


def test_a_period_other_than_morning_or_afternoon_is_refused():
    with pytest.raises(InvalidInput) as refused:
        check_slot(TODAY + timedelta(days=1), "evening", TODAY)
    assert refused.value.field == "period"


def test_the_last_place_can_be_booked_and_then_none():
    check_places(booked=19, places=20)
    with pytest.raises(Conflict) as refused:
        check_places(booked=20, places=20)
    assert refused.value.code == "fully_booked"
