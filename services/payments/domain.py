"""Payments' rules, in plain Python."""


from contracts import formats
from contracts.errors import InvalidInput
from contracts.time import iso_utc

# Above 100,000 CNY a fee is settled at a counter, not from a phone.
MAX_AMOUNT_CENTS = formats.MAX_AMOUNT_CENTS
# A new order waits for the citizen to pay it with a payment provider.
AWAITING_PAYMENT = "awaiting_payment"

# The catalogue `cityhub seed` loads. Amounts are in fen (0.01 CNY).
CATALOGUE = [
    {"code": "traffic-fine", "category": "traffic_fine", "name_zh": "交通违法罚款",
     "name_en": "Traffic fine", "amount_cents": None, "required_assurance_level": 2},
    {"code": "water-bill", "category": "utility", "name_zh": "水费",
     "name_en": "Water bill", "amount_cents": None, "required_assurance_level": 1},
    {"code": "electricity-bill", "category": "utility", "name_zh": "电费",
     "name_en": "Electricity bill", "amount_cents": None, "required_assurance_level": 1},
    {"code": "social-insurance-dues", "category": "social_insurance",
     "name_zh": "城乡居民社会保险费", "name_en": "Social insurance dues",
     "amount_cents": None, "required_assurance_level": 2},
    {"code": "hospital-registration", "category": "medical", "name_zh": "医院挂号费",
     "name_en": "Hospital registration fee", "amount_cents": 1000,
     "required_assurance_level": 2},
    {"code": "household-registration-certificate", "category": "registration",
     "name_zh": "户籍证明工本费", "name_en": "Household registration certificate fee",
     "amount_cents": 500, "required_assurance_level": 2},
]


def fee_view(fee) -> dict:
    return {
        "code": fee.code,
        "category": fee.category,
        "name": {"zh-CN": fee.name_zh, "en": fee.name_en},
        "amount_cents": fee.amount_cents,
        "currency": fee.currency,
        "required_assurance_level": fee.required_assurance_level,
    }


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
