"""The sandbox clock: outside production, ops and tests move every service's "now"
together (`cityhub clock advance 3600`), to see a day's slots open at 07:00, a visit
missed, an order expire, without waiting for it.

The offset from the real clock is one Redis key that each process reads at most every
REFRESH_SECONDS; with CITYHUB_SANDBOX_CLOCK off (the default, and always in
production) services use the real clock and never look.
"""

import logging
import math
import threading
import time
from datetime import UTC, datetime, timedelta
from datetime import time as day_time

import redis

from contracts.formats import FIRST_CITY_DAY, LAST_CITY_DAY

log = logging.getLogger(__name__)
KEY = "cityhub:clock:offset_seconds"
REFRESH_SECONDS = 0.2


class SharedClock:
    """A callable now: the real clock plus the offset ops set.

    The offset is read by a thread of its own (a green one under eventlet), never by
    the caller: `now` is asked for inside transactions, and a Redis round trip there
    lets another green thread wait on SQLite's write lock, which blocks the whole
    process (sqlite3 is not green) until the busy timeout. Found by a notify that
    stopped answering for 30 s in the end-to-end tests.
    """

    def __init__(self, redis_url: str):
        self.redis_url = redis_url
        self._offset = 0.0

    def start(self) -> "SharedClock":
        """Read the offset now, then follow it (the service's setup calls this)."""
        client, self._offset = self._read_offset(None)
        threading.Thread(target=self._follow, args=(client,), daemon=True,
                         name="sandbox-clock").start()
        return self

    def __call__(self) -> datetime:
        return datetime.now(UTC) + timedelta(seconds=self._offset)

    def _follow(self, client) -> None:
        while True:
            time.sleep(REFRESH_SECONDS)
            client, self._offset = self._read_offset(client)

    def _read_offset(self, client) -> tuple:
        try:
            client = client or redis.Redis.from_url(self.redis_url, socket_timeout=1)
            read = float(client.get(KEY) or 0)
        except (redis.RedisError, ValueError):
            log.warning("the sandbox clock's offset could not be read; keeping the last")
            return None, self._offset
        if not within_the_calendar(read):
            log.warning("the sandbox clock's offset is out of the calendar; keeping the last")
            return client, self._offset
        return client, read


# Every date rule is computed within these days (contracts/formats.py); a now beyond
# them would make every service fail (a week after 9999-12-31 is no date).
EARLIEST = datetime.combine(FIRST_CITY_DAY, day_time(), UTC)
LATEST = datetime.combine(LAST_CITY_DAY, day_time(), UTC)


def within_the_calendar(seconds: float) -> bool:
    """Whether the real clock moved by `seconds` stays within the days rules compute."""
    if not math.isfinite(seconds):
        return False
    now = datetime.now(UTC)
    return (EARLIEST - now).total_seconds() <= seconds <= (LATEST - now).total_seconds()


def offset(redis_url: str) -> float:
    with redis.Redis.from_url(redis_url) as client:
        return float(client.get(KEY) or 0)


def set_offset(redis_url: str, seconds: float) -> datetime:
    """Move the sandbox clock to `seconds` from the real one; the new now. ValueError,
    and nothing moved, for a now out of the calendar."""
    if not within_the_calendar(seconds):
        raise ValueError(f"the clock stays between {EARLIEST:%Y-%m-%d} and {LATEST:%Y-%m-%d}")
    with redis.Redis.from_url(redis_url) as client:
        if seconds == 0:
            client.delete(KEY)
        else:
            client.set(KEY, repr(float(seconds)))
    return datetime.now(UTC) + timedelta(seconds=seconds)
