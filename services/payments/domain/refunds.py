"""Refunds: partial and several, each under its own request number, and only when the
caller knows how much is still refundable.

GOV.UK Pay's guard against two operators refunding the same payment at once: the
caller states the amount it believes is refundable now, and a refund is refused
(412) unless that is still true. Pending refunds count as refunded: two in flight
must not add up to more than was paid. The same request number again is the same
refund, never a second one; with another amount it is a mistake, refused.
"""

import re

from contracts.errors import Conflict, InvalidInput, PreconditionFailed

REQUEST_NO = re.compile(r"^[A-Za-z0-9_.:-]{6,64}$")


def refundable(amount: int, refunded: int, pending: int) -> int:
    return max(0, amount - refunded - pending)


def check(paid: bool, amount: int, stated_refundable: int, now_refundable: int) -> None:
    """Refuse a refund the order cannot give (each refusal names its field)."""
    if not paid:
        raise Conflict("only a paid order can be refunded", field="payment_id",
                       code="payment_not_refundable")
    if stated_refundable != now_refundable:
        raise PreconditionFailed(f"the refundable amount is {now_refundable} fen, not "
                                 f"{stated_refundable}: another refund came first",
                                 field="refundable_cents", code="refund_amount_mismatch")
    if not 1 <= amount <= now_refundable:
        raise InvalidInput(f"a refund is 1 to {now_refundable} fen", field="amount_cents",
                           code="refund_too_large" if amount > now_refundable else None)


def check_request_no(request_no) -> str:
    if not isinstance(request_no, str) or not REQUEST_NO.match(request_no):
        raise InvalidInput("request_no must be 6-64 of A-Z a-z 0-9 _ . : -",
                           field="request_no")
    return request_no


def same_request(stored_payment: str, stored_amount: int, payment_id: str, amount: int) -> bool:
    """True: the request number was used for this very refund (answer with it);
    another payment or amount under the same number is refused."""
    if (stored_payment, stored_amount) == (payment_id, amount):
        return True
    raise InvalidInput("this request_no was used for another refund: use a new one",
                       field="request_no", code="refund_request_reused")
