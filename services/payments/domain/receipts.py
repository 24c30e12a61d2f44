"""Electronic receipts: what the hub vouches a citizen paid, verifiable offline.

A receipt is a JWS (a JWT signed EdDSA with the hub's receipt key, whose public half
is published at /v1/.well-known/jwks.json): anyone holding it and the key set can
check it without asking us. It is issued once the agency has confirmed the payment,
never changes, and names the payer only masked (张*). Its number is stable: the city
day it was paid and the order's own id, so the same order never has two.
"""

from datetime import datetime

import jwt
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from contracts.time import city_day, iso_utc

ISSUER = "cityhub-payments"
ALGORITHM = "EdDSA"
QR_PREFIX = "CHR1:"  # what a receipt's QR code holds: this, then the token


class InvalidReceipt(Exception):
    """Not a receipt we vouch for; the message says why, never what it holds."""


def number(payment_id: str, paid_at: datetime) -> str:
    return f"R{city_day(paid_at).strftime('%Y%m%d')}-{payment_id.replace('-', '')[:12].upper()}"


def claims(payment, fee, payer: str | None, issued_at: datetime) -> dict:
    return {
        "iss": ISSUER, "sub": number(payment.id, payment.paid_at),
        "iat": int(issued_at.timestamp()),
        "receipt": {
            "number": number(payment.id, payment.paid_at), "payment_id": payment.id,
            "agency": payment.agency, "payee": fee.name_en if fee else payment.agency,
            "fee_code": payment.fee_code,
            "fee": {"zh-CN": fee.name_zh, "en": fee.name_en} if fee else None,
            "reference": payment.reference, "amount_cents": payment.amount_cents,
            "currency": payment.currency, "paid_at": iso_utc(payment.paid_at),
            "agency_confirmation": payment.agency_confirmation, "payer": payer,
        },
    }


def sign(claims_: dict, kid: str, private_key) -> str:
    return jwt.encode(claims_, private_key, algorithm=ALGORITHM, headers={"kid": kid})


def contents(token: str) -> dict:
    """What a token we signed and stored ourselves says (never for a token from outside:
    `verify` is for those)."""
    return jwt.decode(token, options={"verify_signature": False})["receipt"]


def verify(token: str, public_keys: dict[str, Ed25519PublicKey]) -> dict:
    """The receipt a token carries if one of our keys signed it; else InvalidReceipt."""
    if not isinstance(token, str):
        raise InvalidReceipt("not a token")
    token = token.removeprefix(QR_PREFIX)
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError:
        raise InvalidReceipt("not a token") from None
    if header.get("alg") != ALGORITHM:  # "none", HS256 and friends never pass
        raise InvalidReceipt(f"algorithm {header.get('alg')!r} is not accepted")
    key = public_keys.get(header.get("kid"))
    if key is None:
        raise InvalidReceipt("signed with a key we do not know")
    try:
        decoded = jwt.decode(token, key, algorithms=[ALGORITHM], issuer=ISSUER,
                             options={"require": ["iss", "sub", "iat"]})
    except jwt.InvalidSignatureError:
        raise InvalidReceipt("the signature does not verify") from None
    except jwt.PyJWTError as exc:
        raise InvalidReceipt(type(exc).__name__) from None
    return _well_formed(decoded.get("receipt"))


# What each field of a receipt we sign holds; a signed token whose receipt is any other
# shape (a key that leaked, a token of another kind signed by mistake) is not a receipt.
_TEXT, _MAYBE_TEXT = (str,), (str, type(None))
RECEIPT_FIELDS = {
    "number": _TEXT, "payment_id": _TEXT, "agency": _TEXT, "payee": _TEXT,
    "fee_code": _TEXT, "fee": (dict, type(None)), "reference": _MAYBE_TEXT,
    "amount_cents": (int,), "currency": _TEXT, "paid_at": _TEXT,
    "agency_confirmation": _MAYBE_TEXT, "payer": _MAYBE_TEXT,
}


def _well_formed(receipt) -> dict:
    if not isinstance(receipt, dict) or set(receipt) != set(RECEIPT_FIELDS):
        raise InvalidReceipt("the token holds no receipt")
    for name, kinds in RECEIPT_FIELDS.items():
        value = receipt[name]
        if not isinstance(value, kinds) or isinstance(value, bool):
            raise InvalidReceipt(f"the receipt's {name} is not what a receipt holds")
    fee = receipt["fee"]
    if fee is not None and not (set(fee) == {"zh-CN", "en"}
                                and all(isinstance(v, str) for v in fee.values())):
        raise InvalidReceipt("the receipt's fee is not what a receipt holds")
    try:
        paid_at = datetime.fromisoformat(receipt["paid_at"])
    except ValueError:
        raise InvalidReceipt("the receipt's paid_at is not what a receipt holds") from None
    if paid_at.tzinfo is None:
        raise InvalidReceipt("the receipt's paid_at is not what a receipt holds")
    return receipt
