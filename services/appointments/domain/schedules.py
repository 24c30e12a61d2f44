"""When a schedule's slots exist and when they open.

A schedule (a doctor's clinic, a hall's window) works a weekly pattern: on its
weekdays, sessions (08:00-12:00, 14:00-17:00, city time) cut into slots of a fixed
length, each with a number of places (号源). City hospitals release a day's slots a
fixed number of days ahead at a fixed time of day: "07:00, seven days ahead" means
the slots of 2 December open at 07:00 on 25 November. Before that a slot is shown
but cannot be held, so nobody gains by asking early, and everyone who asks at 07:00
asks for the same places (bench/appointments.py's rush).
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from contracts.errors import InvalidInput
from contracts.time import CITY_TIME

WEEKDAYS = range(7)  # Monday is 0, as in date.weekday()


@dataclass(frozen=True)
class Pattern:
    """A schedule's week: `sessions` are (start, end) in city time."""

    weekdays: tuple[int, ...]
    sessions: tuple[tuple[time, time], ...]
    slot_minutes: int
    places: int

    @classmethod
    def from_dict(cls, data: dict) -> "Pattern":
        """A pattern as the seed data and the database keep it (JSON)."""
        try:
            pattern = cls(
                weekdays=tuple(int(d) for d in data["weekdays"]),
                sessions=tuple((time.fromisoformat(s), time.fromisoformat(e))
                               for s, e in data["sessions"]),
                slot_minutes=int(data["slot_minutes"]), places=int(data["places"]))
        except (KeyError, TypeError, ValueError) as exc:
            raise InvalidInput(f"not a schedule pattern: {exc}", field="pattern") from None
        pattern.check()
        return pattern

    def check(self) -> None:
        if not self.weekdays or any(d not in WEEKDAYS for d in self.weekdays):
            raise InvalidInput("weekdays are 0 (Monday) to 6", field="pattern")
        if self.slot_minutes < 5 or self.places < 1:
            raise InvalidInput("a slot lasts at least 5 minutes and has a place",
                               field="pattern")
        if any(start >= end for start, end in self.sessions):
            raise InvalidInput("a session ends after it starts", field="pattern")


@dataclass(frozen=True)
class Release:
    """A day's slots open `days_ahead` days before it, at `at` city time."""

    days_ahead: int
    at: time

    def opens_at(self, day: date) -> datetime:
        """When the slots of city day `day` open, in UTC."""
        opening = datetime.combine(day - timedelta(days=self.days_ahead), self.at, CITY_TIME)
        return opening.astimezone(UTC)

    def last_open_day(self, now: datetime) -> date:
        """The furthest city day whose slots are open at `now`."""
        local = now.astimezone(CITY_TIME)
        furthest = local.date() + timedelta(days=self.days_ahead)
        return furthest if local.time() >= self.at else furthest - timedelta(days=1)


@dataclass(frozen=True)
class SlotTimes:
    start: datetime
    end: datetime
    places: int


def slots_of_day(pattern: Pattern, day: date) -> list[SlotTimes]:
    """The slots a pattern makes on city day `day` (none if it does not work then)."""
    if day.weekday() not in pattern.weekdays:
        return []
    length, made = timedelta(minutes=pattern.slot_minutes), []
    for session_start, session_end in pattern.sessions:
        start = datetime.combine(day, session_start, CITY_TIME)
        end_of_session = datetime.combine(day, session_end, CITY_TIME)
        while start + length <= end_of_session:
            made.append(SlotTimes(start.astimezone(UTC), (start + length).astimezone(UTC),
                                  pattern.places))
            start += length
    return made


def days_to_prepare(release: Release, now: datetime) -> list[date]:
    """The city days whose slots should exist at `now`: from today up to the next day
    to open, so that its slots are there (shown, not yet holdable) before its hour."""
    today = now.astimezone(CITY_TIME).date()
    last = release.last_open_day(now) + timedelta(days=1)
    return [today + timedelta(days=n) for n in range((last - today).days + 1)]
