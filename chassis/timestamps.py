"""Timestamps are aware UTC wherever they are stored, read back or sent.

SQLite has no time zone type: SQLAlchemy writes an aware datetime's wall clock
and hands back a naive one, which then cannot be compared with `now` (a naive
datetime once broke the real-name lockout for every `make up` user). Every
timestamp column is `UtcDateTime`, so both databases give back the same value.
"""

from datetime import UTC, datetime

from nameko.extensions import DependencyProvider
from sqlalchemy import DateTime
from sqlalchemy.types import TypeDecorator

from chassis.sandbox_clock import SharedClock
from chassis.settings import settings_of


def utcnow() -> datetime:
    return datetime.now(UTC)


class UtcDateTime(TypeDecorator):
    """`DateTime(timezone=True)` that takes only aware datetimes and gives back UTC."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            # Refused rather than guessed: a naive value is a bug in the caller.
            raise ValueError("a naive datetime cannot be stored; use an aware UTC one")
        return value.astimezone(UTC)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        # SQLite returns the UTC wall clock it was given (see process_bind_param).
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Clock(DependencyProvider):
    """`clock = Clock()` on a service: `self.clock()` is now, aware UTC.

    Code that depends on now takes it from here (or as an argument), so a test
    running the service in-process moves time by putting its own callable in the
    Nameko config under CITYHUB_CLOCK, and outside production
    CITYHUB_SANDBOX_CLOCK=1 lets `cityhub clock` move every process's now at once
    (chassis/sandbox_clock.py).
    """

    def setup(self):
        settings = settings_of(self.container)
        self.now = (self.container.config.get("CITYHUB_CLOCK")
                    or (SharedClock(settings.redis_url).start() if settings.sandbox_clock
                        else utcnow))

    def get_dependency(self, worker_ctx):
        return self.now
