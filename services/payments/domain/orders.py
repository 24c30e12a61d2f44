"""A payment order's states, which only move forward, and why each move happened.

    awaiting_payment --> succeeded --> agency_confirmed
           |                 |                |
           +--> failed       +--> partially_refunded --> refunded
           +--> expired      +-----------------------------^
           +--> closed

`failed`, `expired` and `closed` end an order that was never paid. A paid order
stays paid: refunds move it to `partially_refunded` or `refunded`. An agency's
confirmation that comes after a partial refund is kept in the order's history, but
does not move it back to `agency_confirmed`. A notification that
arrives late (an order already `succeeded` told `succeeded` again, or told
`failed` after it succeeded) changes nothing: that is what makes duplicated and
reordered provider notifications harmless.
"""

from dataclasses import dataclass
from datetime import datetime

AWAITING_PAYMENT = "awaiting_payment"
SUCCEEDED, AGENCY_CONFIRMED = "succeeded", "agency_confirmed"
FAILED, EXPIRED, CLOSED = "failed", "expired", "closed"
PARTIALLY_REFUNDED, REFUNDED = "partially_refunded", "refunded"
STATES = (AWAITING_PAYMENT, SUCCEEDED, AGENCY_CONFIRMED, FAILED, EXPIRED, CLOSED,
          PARTIALLY_REFUNDED, REFUNDED)

# Who moved the order: the partner's request that made it, the provider's
# notification, our query to the provider, the janitor (expiry), the agency (its
# write-off), a refund, or our query because the day's statement showed money we had
# not booked (reconciliation).
CREATED = "created"
CAUSES = (CREATED, "provider_notification", "provider_query", "janitor", "agency", "refund",
          "reconciliation")

_NEXT = {
    AWAITING_PAYMENT: {SUCCEEDED, FAILED, EXPIRED, CLOSED},
    SUCCEEDED: {AGENCY_CONFIRMED, PARTIALLY_REFUNDED, REFUNDED},
    AGENCY_CONFIRMED: {PARTIALLY_REFUNDED, REFUNDED},
    PARTIALLY_REFUNDED: {PARTIALLY_REFUNDED, REFUNDED},
    FAILED: set(), EXPIRED: set(), CLOSED: set(), REFUNDED: set(),
}
PAID = (SUCCEEDED, AGENCY_CONFIRMED, PARTIALLY_REFUNDED, REFUNDED)
OPEN = (AWAITING_PAYMENT,)
ENDED_UNPAID = (FAILED, EXPIRED, CLOSED)  # money landing on one now is refunded in full
# A trade that closed (by us or by the provider) may still take money; a declined one
# (PAY_FAILED) is final.
WATCHED_AFTER_END = (EXPIRED, CLOSED)


@dataclass(frozen=True)
class Transition:
    """One recorded move of an order, for its history."""

    from_state: str
    to_state: str
    cause: str
    at: datetime


def can_move(current: str, new: str) -> bool:
    return new in _NEXT[current]


def move(current: str, new: str, cause: str, at: datetime) -> Transition | None:
    """The transition, or None when the order cannot move there (already past it):
    the caller records nothing and applies nothing."""
    if cause not in CAUSES:
        raise ValueError(f"unknown cause {cause!r}")
    if new not in _NEXT:
        raise ValueError(f"unknown state {new!r}")
    return Transition(current, new, cause, at) if can_move(current, new) else None


def is_terminal(state: str) -> bool:
    """Nothing more will happen to it by itself (refunds aside)."""
    return state in (FAILED, EXPIRED, CLOSED, REFUNDED, AGENCY_CONFIRMED)
