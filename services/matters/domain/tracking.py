"""Tracking numbers: what a citizen quotes on the phone, on a counter, in the public
progress query.

`GZ-20261125-000123`: the city's prefix, the city day the matter began, and its place
among that day's matters. Readable aloud, sortable by day, and unique because the day's
sequence is taken by an UPDATE … RETURNING on one row per day (repository.py), as
appointments takes queue numbers. It carries nothing personal.
"""

import re
from datetime import date

PREFIX = "GZ"
SHAPE = re.compile(r"^[A-Z]{2}-\d{8}-\d{6}$")
PER_DAY = 999_999


def tracking_number(day: date, sequence: int, prefix: str = PREFIX) -> str:
    if not 1 <= sequence <= PER_DAY:
        raise ValueError(f"a day has at most {PER_DAY} matters")
    return f"{prefix}-{day:%Y%m%d}-{sequence:06d}"


def looks_like_one(text) -> bool:
    """Whether `text` has a tracking number's shape (checked before any lookup)."""
    return isinstance(text, str) and SHAPE.match(text) is not None
