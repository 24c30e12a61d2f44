"""Assurance levels and the real-name lockout: identity's rules, no I/O.

Levels follow NIST SP 800-63's idea of proofing in steps; a level rises only by
passing its own check, and only from the level below it.
"""

from datetime import datetime, timedelta

from contracts.assurance import LEVELS
from contracts.errors import Conflict, Forbidden, TooManyAttempts

MAX_FAILED_REAL_NAME_ATTEMPTS = 5
REAL_NAME_WINDOW = timedelta(hours=24)


def raise_to(current: int, reached: int) -> int:
    """The new level after passing the check for `reached`."""
    if reached not in LEVELS or reached == 0:
        raise ValueError(f"no check leads to level {reached}")
    if current >= reached:
        raise Conflict(f"the citizen is already at level {current}", code="already_verified")
    if reached != current + 1:
        raise Forbidden(f"level {reached} needs level {reached - 1} first",
                        code="assurance_level_too_low")
    return reached


def check_not_locked_out(failures: list[datetime], now: datetime) -> None:
    """Refuse a real-name attempt after too many recent failures.

    The lockout lifts when the oldest failure that counts leaves the window,
    which is what Retry-After tells the caller.
    """
    recent = sorted(f for f in failures if now - f < REAL_NAME_WINDOW)
    if len(recent) >= MAX_FAILED_REAL_NAME_ATTEMPTS:
        oldest_counted = recent[-MAX_FAILED_REAL_NAME_ATTEMPTS]
        retry_after = int((oldest_counted + REAL_NAME_WINDOW - now).total_seconds()) + 1
        raise TooManyAttempts(
            f"{MAX_FAILED_REAL_NAME_ATTEMPTS} failed real-name checks in 24 hours",
            retry_after=retry_after)
