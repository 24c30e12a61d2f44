"""How CityHub writes a moment in an API answer or an event: RFC 3339, UTC, `Z`.

One spelling everywhere (`2026-11-25T08:30:00.000000Z`), so a partner parses
every timestamp of every answer the same way.
"""

from datetime import UTC, datetime


def iso_utc(moment: datetime) -> str:
    if moment.tzinfo is None:
        raise ValueError("a naive datetime has no place in an answer")
    return moment.astimezone(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")
