"""Working days, as the city's offices count them for a matter's time limit.

A time limit of "5 working days" (办结时限) skips weekends and public holidays, but
China moves days around a holiday (调休): a Saturday or Sunday next to a long holiday
is a working day, and the weekdays of the holiday are not. So a calendar is not the
weekday rule alone: it is the weekday rule corrected by the State Council's yearly
notice, kept as data (`days off` that fall on weekdays, `working days` that fall on
weekends) that ops edit when the notice is published (docs/operations.md).

A matter's clock starts on the working day after the day its application was complete
(the day itself is not counted, as the offices count it), and its time limit ends at
the end of the last working day, city time.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from contracts.time import CITY_TIME

SATURDAY = 5
MAX_DAYS = 366  # no time limit in the catalogue is longer than a year


@dataclass(frozen=True)
class Calendar:
    """The weekday rule, corrected: `off` days are holidays on weekdays, `on` days are
    weekend days worked (调休)."""

    off: frozenset[date] = field(default_factory=frozenset)
    on: frozenset[date] = field(default_factory=frozenset)

    def is_working_day(self, day: date) -> bool:
        if day in self.on:
            return True
        return day.weekday() < SATURDAY and day not in self.off

    def add(self, start: date, days: int) -> date:
        """The `days`-th working day after `start` (`start` itself not counted);
        0: `start` itself."""
        if not 0 <= days <= MAX_DAYS:
            raise ValueError(f"a time limit is 0 to {MAX_DAYS} working days")
        day, counted = start, 0
        while counted < days:
            day += timedelta(days=1)
            counted += self.is_working_day(day)
        return day

    def between(self, start: date, end: date) -> int:
        """Working days after `start` up to and including `end` (0 if `end` <= `start`)."""
        return sum(self.is_working_day(start + timedelta(days=n))
                   for n in range(1, (end - start).days + 1))

    def deadline(self, complete_at: datetime, days: int) -> datetime:
        """The end (city midnight) of the last working day of a time limit of `days`
        working days for an application complete at `complete_at`."""
        last = self.add(complete_at.astimezone(CITY_TIME).date(), days)
        return datetime.combine(last + timedelta(days=1), time.min, CITY_TIME)


def correction_problem(day: date, working: bool) -> str | None:
    """Why a day cannot be a correction of the weekday rule, if it cannot."""
    if working and day.weekday() < SATURDAY:
        return f"{day} is a weekday: it is a working day without being set"
    if not working and day.weekday() >= SATURDAY:
        return f"{day} is a weekend day: it is off without being set"
    return None
