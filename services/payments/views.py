"""What payments' answers look like: amounts in fen, moments in UTC."""

from contracts.time import iso_utc


def _moment(value):
    return iso_utc(value) if value is not None else None


def fee_view(fee) -> dict:
    return {
        "code": fee.code,
        "category": fee.category,
        "name": {"zh-CN": fee.name_zh, "en": fee.name_en},
        "amount_cents": fee.amount_cents,
        "currency": fee.currency,
        "required_assurance_level": fee.required_assurance_level,
    }


def bill_view(bill) -> dict:
    return {
        "bill_id": bill.id,
        "fee_code": bill.fee_code,
        "bill_number": bill.bill_number,
        "account": bill.account,
        "payee": bill.payee,
        "amount_cents": bill.amount_cents,
        "late_fee_cents": bill.late_fee_cents,
        "total_cents": bill.amount_cents + bill.late_fee_cents,
        "currency": "CNY",
        "due_date": bill.due_date.isoformat(),
        "status": bill.status,
    }


def payment_view(payment, history=None) -> dict:
    view = {
        "payment_id": payment.id,
        "fee_code": payment.fee_code,
        "bill_id": payment.bill_id,
        "amount_cents": payment.amount_cents,
        "refunded_cents": payment.refunded_cents,
        "currency": payment.currency,
        "reference": payment.reference,
        "status": payment.status,
        "cashier_url": payment.cashier_url if payment.status == "awaiting_payment" else None,
        "created_at": iso_utc(payment.created_at),
        "expires_at": _moment(payment.expires_at),
        "paid_at": _moment(payment.paid_at),
    }
    if history is not None:
        view["history"] = [transition_view(t) for t in history]
    return view


def transition_view(transition) -> dict:
    return {"from": transition.from_state, "to": transition.to_state,
            "cause": transition.cause, "at": iso_utc(transition.at),
            "note": transition.note}


def refund_view(refund) -> dict:
    return {"refund_id": refund.id, "request_no": refund.request_no,
            "amount_cents": refund.amount_cents, "reason": refund.reason,
            "requested_by": refund.requested_by, "status": refund.status,
            "created_at": iso_utc(refund.created_at), "done_at": _moment(refund.done_at)}
