"""Double-entry bookkeeping in integer fen: every movement of money is a pair of
entries, one taking from an account and one giving to another, so the sum of all
entries is zero at every moment, and any account's balance is the sum of its own.

The accounts of a fee payment (names are stable strings, stored with each entry):

    citizen              what citizens paid (negative: money that came in from them)
    provider_clearing    held by the payment provider, not yet passed on
    agency:<code>        owed to (payable to) the agency that issued the bill

    paid:            citizen -> provider_clearing
    passed on:       provider_clearing -> agency:<code>
    refunded:        the way back, from wherever the money is, to citizen
"""

from dataclasses import dataclass

CITIZEN = "citizen"
PROVIDER_CLEARING = "provider_clearing"


def agency(code: str) -> str:
    return f"agency:{code}"


@dataclass(frozen=True)
class Entry:
    account: str
    amount: int  # fen; positive: the account receives, negative: it gives


def movement(from_account: str, to_account: str, amount: int) -> tuple[Entry, Entry]:
    """The pair of entries that moves `amount` fen between two accounts."""
    if not isinstance(amount, int) or isinstance(amount, bool) or amount <= 0:
        raise ValueError("a movement is a positive whole number of fen")
    if from_account == to_account:
        raise ValueError("a movement needs two different accounts")
    return Entry(from_account, -amount), Entry(to_account, amount)


def paid(amount: int) -> tuple[Entry, Entry]:
    return movement(CITIZEN, PROVIDER_CLEARING, amount)


def passed_on(agency_code: str, amount: int) -> tuple[Entry, Entry]:
    return movement(PROVIDER_CLEARING, agency(agency_code), amount)


def refunded(from_account: str, amount: int) -> tuple[Entry, Entry]:
    return movement(from_account, CITIZEN, amount)


def is_balanced(entries) -> bool:
    """What `cityhub ledger check` asserts over the whole ledger."""
    return sum(entry.amount for entry in entries) == 0


def balances(entries) -> dict[str, int]:
    totals: dict[str, int] = {}
    for entry in entries:
        totals[entry.account] = totals.get(entry.account, 0) + entry.amount
    return totals
