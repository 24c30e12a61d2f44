"""What payments' answers look like: amounts in fen, moments in UTC."""

from contracts.time import iso_utc


def fee_view(fee) -> dict:
    return {
        "code": fee.code,
        "category": fee.category,
        "name": {"zh-CN": fee.name_zh, "en": fee.name_en},
        "amount_cents": fee.amount_cents,
        "currency": fee.currency,
        "required_assurance_level": fee.required_assurance_level,
    }


def payment_view(payment) -> dict:
    return {
        "payment_id": payment.id,
        "fee_code": payment.fee_code,
        "amount_cents": payment.amount_cents,
        "currency": payment.currency,
        "reference": payment.reference,
        "status": payment.status,
        "created_at": iso_utc(payment.created_at),
    }
