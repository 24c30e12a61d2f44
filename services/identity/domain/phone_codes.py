"""One-time codes that confirm a citizen's phone: identity's rules, no I/O.

A code is six digits, lives five minutes, is stored only as a keyed hash, and
is burned after five wrong tries. A new request replaces any earlier code.
"""

import hashlib
import hmac
import secrets
from dataclasses import dataclass, replace
from datetime import datetime

from contracts import formats
from contracts.errors import InvalidInput, TooManyAttempts
from contracts.time import until_next_city_day

CODE_DIGITS = 6
LIFETIME_SECONDS = 300
MAX_TRIES = 5
# Codes texted to one phone number in one city day: more would let anyone who knows
# a number flood it (SMS pumping), at the city's cost.
MAX_TEXTS_PER_DAY = 10


def check_daily_texts(texts_today: int, now: datetime) -> None:
    """Refuse a code beyond the day's texts to this number, until the city's midnight.

    `texts_today` counts this one: the count is taken before anything is sent.
    """
    if texts_today > MAX_TEXTS_PER_DAY:
        wait = until_next_city_day(now)
        raise TooManyAttempts(f"{MAX_TEXTS_PER_DAY} codes were texted to this number today",
                              retry_after=int(wait.total_seconds()) + 1)


def new_code() -> str:
    return f"{secrets.randbelow(10 ** CODE_DIGITS):0{CODE_DIGITS}d}"


def code_hash(key: str, citizen_id: str, code: str) -> str:
    # Keyed and bound to the citizen: a stolen hash table reveals nothing, and a
    # code cannot be replayed for another citizen.
    return hmac.new(key.encode(), f"{citizen_id}:{code}".encode(), hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class PendingCode:
    digest: str
    expires_at: float
    tries_left: int = MAX_TRIES

    def attempt(self, given_digest: str, now: float) -> "PendingCode | None":
        """None when the code is right; the code with one try less when it is wrong.

        Raises InvalidInput when the code has expired or the last try is used up.
        """
        if now >= self.expires_at:
            raise InvalidInput("the code has expired: ask for a new one", field="code",
                               code="code_expired")
        if hmac.compare_digest(self.digest, given_digest):
            return None
        left = self.tries_left - 1
        if left <= 0:
            raise InvalidInput("too many wrong codes: this code no longer works, ask for a "
                               "new one", field="code", code="code_burned")
        return replace(self, tries_left=left)


def check_format(code: str) -> None:
    if not formats.matches(formats.PHONE_CODE, code):
        raise InvalidInput(f"the code is {CODE_DIGITS} digits", field="code",
                           code="validation_error")
