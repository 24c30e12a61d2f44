"""How CityHub writes a moment in an API answer or an event: RFC 3339, UTC, `Z`.

One spelling everywhere (`2026-11-25T08:30:00.000000Z`), so a partner parses
every timestamp of every answer the same way.
"""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

# The city's clock, for the rules that speak of days (booking windows, daily limits,
# quiet hours); everything stored or sent is UTC.
CITY_TIME = ZoneInfo("Asia/Shanghai")


def iso_utc(moment: datetime) -> str:
    if moment.tzinfo is None:
        raise ValueError("a naive datetime has no place in an answer")
    return moment.astimezone(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


def city_day(moment: datetime) -> date:
    """The city's calendar day at `moment`."""
    return moment.astimezone(CITY_TIME).date()


def until_next_city_day(moment: datetime) -> timedelta:
    """How long from `moment` until the city's next midnight."""
    local = moment.astimezone(CITY_TIME)
    midnight = datetime.combine(local.date() + timedelta(days=1), datetime.min.time(),
                                CITY_TIME)
    return midnight - local


def city_day_start(moment: datetime) -> datetime:
    """The city's last midnight before `moment`, in UTC."""
    local = moment.astimezone(CITY_TIME)
    return datetime.combine(local.date(), datetime.min.time(), CITY_TIME).astimezone(UTC)
