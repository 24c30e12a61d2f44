"""Slots: made from each schedule day by day as the day comes near its release, and
listed with the places left."""

import uuid
from datetime import date, datetime, time, timedelta

from contracts.errors import InvalidInput, NotFound
from contracts.formats import FIRST_CITY_DAY, LAST_CITY_DAY, LONGEST_LISTING_DAYS
from contracts.time import CITY_TIME, city_day
from services.appointments import repository
from services.appointments.domain import schedules as rules
from services.appointments.views import department_view, slot_view

# A listing covers a week from today unless asked otherwise.
DEFAULT_LISTING_DAYS = 7


def release_of(schedule) -> rules.Release:
    return rules.Release(schedule.release_days_ahead, time.fromisoformat(schedule.release_at))


def prepare(uow, now: datetime) -> int:
    """Make the slots of every day each schedule should show by now; how many were new.
    Running it again (another process, the next minute) makes none twice."""
    with uow.core_transaction() as connection:
        return prepare_on(connection, now)


def prepare_on(connection, now: datetime) -> int:
    """`prepare` on a connection in a transaction (`cityhub seed` makes the first
    slots this way, so they are there before the services start)."""
    made = 0
    for schedule in repository.schedules(connection):
        release, pattern = release_of(schedule), rules.Pattern.from_dict(schedule.pattern)
        days = rules.days_to_prepare(release, now)
        done = repository.prepared_days(connection, schedule.id, days[0])
        rows = [_row(schedule, release, day, times) for day in days if day not in done
                for times in rules.slots_of_day(pattern, day)]
        made += repository.add_slots(connection, rows)
    return made


def _row(schedule, release: rules.Release, day: date, times) -> dict:
    return {"id": str(uuid.uuid4()), "schedule_id": schedule.id,
            "department_id": schedule.department_id, "institution_id": schedule.institution_id,
            "day": day, "start": times.start, "end": times.end,
            "opens_at": release.opens_at(day), "places": times.places, "taken": 0}


def departments(uow, institution_id: str) -> list[dict]:
    with uow.core_read() as connection:
        _institution(connection, institution_id)
        return [department_view(d) for d in repository.departments(connection, institution_id)]


def listing(uow, institution_id: str, department_id: str | None, first: str | None,
            last: str | None, now: datetime) -> list[dict]:
    """The slots of city days `first` to `last` (inclusive) still to start, with the
    places left."""
    first_day, last_day = _days(first, last, now)
    with uow.core_read() as connection:
        _institution(connection, institution_id)
        if department_id is not None:
            found = repository.department(connection, department_id)
            if found is None or found.institution_id != institution_id:
                raise NotFound("no such department at this institution", field="department",
                               code="department_not_found")
        start = datetime.combine(first_day, time.min, CITY_TIME)
        end = datetime.combine(last_day + timedelta(days=1), time.min, CITY_TIME)
        # A slot that has started cannot be held: it is not listed.
        return [slot_view(s, now) for s in repository.slots(connection, institution_id,
                                                             department_id, start, end)
                if s.start > now]


def _institution(connection, institution_id: str):
    found = repository.institution(connection, institution_id)
    if found is None:
        raise NotFound("no such institution", field="institution_id",
                       code="institution_not_found")
    return found


def _days(first: str | None, last: str | None, now: datetime) -> tuple[date, date]:
    first_day = _day(first, "from") if first else city_day(now)
    last_day = (_day(last, "to") if last
                else first_day + timedelta(days=DEFAULT_LISTING_DAYS - 1))
    if last_day < first_day:
        raise InvalidInput("to is before from", field="to")
    if (last_day - first_day).days >= LONGEST_LISTING_DAYS:
        raise InvalidInput(f"a listing covers at most {LONGEST_LISTING_DAYS} days",
                           field="to")
    return first_day, last_day


def _day(text: str, field: str) -> date:
    try:
        day = date.fromisoformat(text)
    except (TypeError, ValueError):
        raise InvalidInput(f"{field} must be a city day, YYYY-MM-DD", field=field) from None
    if not FIRST_CITY_DAY <= day <= LAST_CITY_DAY:
        raise InvalidInput(f"{field} must be a city day from {FIRST_CITY_DAY} to "
                           f"{LAST_CITY_DAY}", field=field)
    return day
