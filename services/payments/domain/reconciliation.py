"""Reconciliation: the provider's statement, our ledger and the agencies' write-offs
of one city day, matched three ways (Hyperswitch's and every PSP's daily chore).

Each side is reduced to lines keyed by what both know: a payment by our order id,
a refund by its request number. A line on one side only, or with another amount,
is a mismatch; so is a payment both agree on that its agency has not confirmed by
now. Lines are looked up across days (a payment at 23:59:59 may be booked after
midnight), so only the day's own lines are reported missing.
"""

from dataclasses import dataclass

PAYMENT, REFUND = "payment", "refund"
MISSING_IN_LEDGER = "missing_in_ledger"      # the provider moved money we did not book
MISSING_AT_PROVIDER = "missing_at_provider"  # we booked money the provider did not move
AMOUNT_DIFFERS = "amount_differs"
UNCONFIRMED_BY_AGENCY = "unconfirmed_by_agency"


@dataclass(frozen=True)
class Line:
    kind: str  # PAYMENT or REFUND
    key: str  # the order id of a payment, the request number of a refund
    order_id: str
    amount: int  # fen


@dataclass(frozen=True)
class Mismatch:
    kind: str
    line: str  # PAYMENT or REFUND
    key: str
    order_id: str
    provider_amount: int | None
    ledger_amount: int | None


def match(provider: dict[tuple[str, str], Line], ledger: dict[tuple[str, str], Line],
          day_provider: set[tuple[str, str]], day_ledger: set[tuple[str, str]],
          awaiting_agency: set[str]) -> list[Mismatch]:
    """Every mismatch of the day.

    `provider` and `ledger`: lines by (kind, key), from any day; `day_provider` and
    `day_ledger`: the keys dated on the day being reconciled; `awaiting_agency`: order
    ids whose agency should have confirmed them and has not.
    """
    found = []
    for key in sorted(day_provider | day_ledger):
        theirs, ours = provider.get(key), ledger.get(key)
        if ours is None:
            found.append(_mismatch(MISSING_IN_LEDGER, key, theirs, None, theirs.order_id))
        elif theirs is None:
            found.append(_mismatch(MISSING_AT_PROVIDER, key, None, ours, ours.order_id))
        elif theirs.amount != ours.amount:
            found.append(_mismatch(AMOUNT_DIFFERS, key, theirs, ours, ours.order_id))
        elif key[0] == PAYMENT and ours.order_id in awaiting_agency:
            found.append(_mismatch(UNCONFIRMED_BY_AGENCY, key, theirs, ours, ours.order_id))
    return found


def _mismatch(kind, key, theirs, ours, order_id) -> Mismatch:
    return Mismatch(kind, key[0], key[1], order_id, theirs.amount if theirs else None,
                    ours.amount if ours else None)
