"""Payments' rules, in plain Python: an order's terms here, its states in
orders.py, the double-entry ledger in ledger.py."""

from contracts import formats
from contracts.errors import InvalidInput
from services.payments.domain.orders import AWAITING_PAYMENT

__all__ = ["AWAITING_PAYMENT", "MAX_AMOUNT_CENTS", "order_terms"]

# Above 100,000 CNY a fee is settled at a counter, not from a phone.
MAX_AMOUNT_CENTS = formats.MAX_AMOUNT_CENTS

def order_terms(fee, amount_cents: int | None, reference: str | None) -> tuple[int, str | None]:
    """The amount and reference of an order for `fee`, or InvalidInput.

    A fee with a catalogue amount costs exactly that. A fee whose amount comes from a
    bill or ticket needs both the amount and the bill's number, so that the payment
    can be matched to what it settles.
    """
    if reference is not None and not formats.matches(formats.REFERENCE, reference):
        raise InvalidInput("reference must be 4-64 letters, digits or -", field="reference")
    if fee.amount_cents is not None:
        if amount_cents is not None and amount_cents != fee.amount_cents:
            raise InvalidInput(f"{fee.code} costs {fee.amount_cents} fen; send that "
                               "amount or none", field="amount_cents")
        return fee.amount_cents, reference
    if amount_cents is None:
        raise InvalidInput(f"{fee.code} has no fixed amount: send amount_cents from the "
                           "bill", field="amount_cents")
    if not 1 <= amount_cents <= MAX_AMOUNT_CENTS:
        raise InvalidInput(f"amount_cents must be 1 to {MAX_AMOUNT_CENTS}",
                           field="amount_cents")
    if reference is None:
        raise InvalidInput(f"{fee.code} needs the bill or ticket number as reference",
                           field="reference")
    return amount_cents, reference
