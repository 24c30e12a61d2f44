"""What the payment provider's messages mean to an order.

The provider writes amounts as yuan with two decimals ("200.00") and names trade
states its own way; an order knows only fen and its own states. Parsing is strict:
an amount we cannot read exactly is not an amount, because a notification whose
amount differs from the order's is refused (and raised), never rounded.
"""

import re

from services.payments.domain.orders import CLOSED, FAILED, SUCCEEDED

_YUAN = re.compile(r"^(0|[1-9][0-9]{0,9})\.([0-9]{2})$")

# The provider's trade states, and the order state each one means (None: still open).
OUTCOMES = {
    "WAIT_BUYER_PAY": None,
    "TRADE_SUCCESS": SUCCEEDED,
    "TRADE_FINISHED": SUCCEEDED,  # paid, and past the provider's refund window
    "PAY_FAILED": FAILED,  # the bank refused the payment (WeChat Pay's PAYERROR)
    "TRADE_CLOSED": CLOSED,  # closed unpaid, by the provider or by us
}


def fen(yuan: str) -> int:
    """"200.00" -> 20000; ValueError for anything that is not exactly that shape."""
    match = _YUAN.match(yuan or "")
    if match is None:
        raise ValueError("an amount is yuan with exactly two decimals")
    return int(match[1]) * 100 + int(match[2])


def yuan(amount_fen: int) -> str:
    if not isinstance(amount_fen, int) or amount_fen < 0:
        raise ValueError("an amount is a whole, non-negative number of fen")
    return f"{amount_fen // 100}.{amount_fen % 100:02d}"


def outcome(trade_status: str) -> str | None:
    """The order state a trade state means; ValueError for a state we do not know."""
    if trade_status not in OUTCOMES:
        raise ValueError(f"unknown trade state {trade_status!r}")
    return OUTCOMES[trade_status]
