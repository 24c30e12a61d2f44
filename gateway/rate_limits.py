"""How fast a caller may call: fixed windows counted in Redis, shared by every gateway
process, told in the IETF RateLimit header fields (draft-ietf-httpapi-ratelimit-headers).

Each request counts once in every window it falls in: the partner's (every signed
route), the partner's for one citizen on sensitive routes (phone codes, real name,
face), and on the public progress query the caller's address and the tracking number
asked about. Every response says where the caller stands:

    RateLimit-Policy: "partner";q=6000;w=60, "sensitive";q=30;w=60
    RateLimit: "partner";r=5998;t=42, "sensitive";r=29;t=42

and a request over any quota gets 429 with Retry-After, the seconds until the window
that refused it ends. Fixed windows, not a sliding log: one INCR per window, in the
round trip the nonce already takes (gateway/nonces.py), at the cost of letting a caller
spend up to twice a quota across a window's edge.
"""

import time
from dataclasses import dataclass

from contracts.errors import TooManyAttempts

# The policies, by name; a partner's own quotas come from `cityhub partner limits`.
PARTNER, SENSITIVE = "partner", "sensitive"
PROGRESS_ADDRESS, PROGRESS_NUMBER = "progress-address", "progress-number"


@dataclass(frozen=True)
class Policy:
    name: str
    quota: int  # requests per window
    window: int  # seconds

    def counter(self, subject: str, now: float) -> tuple[str, int]:
        """The Redis key counting `subject` in the window `now` falls in, and how long
        it must live."""
        return f"rate:{self.name}:{subject}:{int(now // self.window)}", self.window + 1

    def reset(self, now: float) -> int:
        """Whole seconds until the window `now` falls in ends (at least 1)."""
        return max(1, int(self.window - now % self.window + 0.999))


@dataclass(frozen=True)
class Standing:
    policy: Policy
    used: int
    reset: int

    @property
    def remaining(self) -> int:
        return max(0, self.policy.quota - self.used)

    @property
    def exceeded(self) -> bool:
        return self.used > self.policy.quota


def counters(limits: list[tuple[Policy, str]], now: float) -> list[tuple[str, int]]:
    return [policy.counter(subject, now) for policy, subject in limits]


def standings(limits: list[tuple[Policy, str]], counts: list[int],
              now: float) -> list[Standing]:
    return [Standing(policy, used, policy.reset(now))
            for (policy, _), used in zip(limits, counts, strict=True)]


def header_fields(found: list[Standing]) -> dict[str, str]:
    """The RateLimit-Policy and RateLimit fields for these standings."""
    if not found:
        return {}
    return {"RateLimit-Policy": ", ".join(
                f'"{s.policy.name}";q={s.policy.quota};w={s.policy.window}' for s in found),
            "RateLimit": ", ".join(f'"{s.policy.name}";r={s.remaining};t={s.reset}'
                                   for s in found)}


def check(found: list[Standing]) -> None:
    """TooManyAttempts (429, Retry-After) if any window is over its quota."""
    over = [s for s in found if s.exceeded]
    if over:
        worst = max(over, key=lambda s: s.reset)
        raise TooManyAttempts(
            f"rate limit {worst.policy.name!r} ({worst.policy.quota} requests per "
            f"{worst.policy.window} s) reached; try again in {worst.reset} s",
            code="rate_limited", retry_after=worst.reset)


def now() -> float:
    return time.time()
