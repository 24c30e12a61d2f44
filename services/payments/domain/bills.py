"""What makes a bill payable, and for how much.

The amount of a billed fee is the agency's: the amount it issued plus any late fee it
charges after the due date, as the agency last told us. A bill asked for long enough
ago is asked for again before it is ordered, because a late fee may have grown or the
bill may have been paid at a counter since.
"""

from datetime import datetime, timedelta

from contracts.errors import Conflict, InvalidInput

PAYABLE, PAID, EXPIRED = "payable", "paid", "expired"
STATUSES = (PAYABLE, PAID, EXPIRED)


def total(bill) -> int:
    return bill.amount_cents + bill.late_fee_cents


def is_fresh(fetched_at: datetime, now: datetime, fresh_for: timedelta) -> bool:
    return now - fetched_at < fresh_for


def check_payable(bill) -> None:
    """Conflict for a bill already paid, InvalidInput for one past its online deadline."""
    if bill.status == PAID:
        raise Conflict("this bill is already paid", field="bill_id", code="bill_already_paid")
    if bill.status == EXPIRED:
        raise InvalidInput("this bill can no longer be paid online; the agency's counter "
                           "can settle it", field="bill_id", code="bill_expired")
