"""Working days for a matter's time limit: weekends, holidays and the days moved
around them (调休)."""

from datetime import UTC, date, datetime

import pytest

from services.matters.domain.working_days import Calendar

# The State Council's 2026 National Day notice: 1-7 October off, Sunday 20 September and
# Saturday 10 October worked.
NATIONAL_DAY = Calendar(off=frozenset(date(2026, 10, d) for d in range(1, 8)),
                        on=frozenset({date(2026, 9, 20), date(2026, 10, 10)}))
PLAIN = Calendar()


def test_five_working_days_from_a_monday_end_the_next_monday():
    assert PLAIN.add(date(2026, 11, 23), 5) == date(2026, 11, 30)


def test_a_friday_application_starts_counting_on_monday():
    assert PLAIN.add(date(2026, 11, 27), 1) == date(2026, 11, 30)


def test_a_holiday_week_is_skipped_and_a_weekend_worked_for_it_is_counted():
    # Complete on Wednesday 30 September: 8 and 9 October (Thu, Fri) are the first
    # working days after the holiday, then Saturday 10 October is worked.
    assert NATIONAL_DAY.add(date(2026, 9, 30), 3) == date(2026, 10, 10)
    assert PLAIN.add(date(2026, 9, 30), 3) == date(2026, 10, 5)  # positive control


def test_a_sunday_worked_for_the_holiday_counts_like_a_weekday():
    assert NATIONAL_DAY.is_working_day(date(2026, 9, 20))
    assert not PLAIN.is_working_day(date(2026, 9, 20))


def test_working_days_between_two_days_count_the_same_way():
    assert NATIONAL_DAY.between(date(2026, 9, 30), date(2026, 10, 10)) == 3
    assert NATIONAL_DAY.between(date(2026, 10, 10), date(2026, 9, 30)) == 0


def test_a_time_limit_ends_at_city_midnight_after_its_last_working_day():
    # 23:30 UTC on Sunday 22 November is Monday 07:30 in the city.
    complete = datetime(2026, 11, 22, 23, 30, tzinfo=UTC)
    assert PLAIN.deadline(complete, 5) == datetime(2026, 11, 30, 16, 0, tzinfo=UTC)


def test_zero_working_days_is_the_same_day_and_a_negative_limit_is_refused():
    assert PLAIN.add(date(2026, 11, 28), 0) == date(2026, 11, 28)
    with pytest.raises(ValueError):
        PLAIN.add(date(2026, 11, 28), -1)
