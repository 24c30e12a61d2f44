"""E-receipts are checked offline with the hub's public keys, and nothing else passes."""

import base64
import json
from datetime import UTC, datetime
from types import SimpleNamespace

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

from chassis.assertions import jwks, load_keys
from services.payments.domain import receipts

KEYS = load_keys("r1:" + base64.b64encode(b"r" * 32).decode())
PUBLIC = {kid: key.public_key() for kid, key in KEYS.items()}
PAID = datetime(2026, 11, 25, 16, 30, tzinfo=UTC)  # 00:30 on the 26th, city time
PAYMENT = SimpleNamespace(id="0f2c9a4e-1111-2222-3333-444455556666", agency="traffic-police",
                          fee_code="traffic-fine", reference="440100000000001",
                          amount_cents=20000, currency="CNY", paid_at=PAID,
                          agency_confirmation="TR2026112600000001")
FEE = SimpleNamespace(name_zh="交通违法罚款", name_en="Traffic fine")


def token(**overrides) -> str:
    claims = receipts.claims(PAYMENT, FEE, "张*", PAID)
    claims["receipt"].update(overrides)
    return receipts.sign(claims, "r1", KEYS["r1"])


def test_a_receipt_the_hub_signed_verifies_and_says_what_was_paid():
    said = receipts.verify(token(), PUBLIC)
    assert (said["amount_cents"], said["payer"], said["agency"]) == (20000, "张*",
                                                                    "traffic-police")


def test_a_receipt_is_numbered_by_the_city_day_it_was_paid_and_its_order():
    assert receipts.number(PAYMENT.id, PAID) == "R20261126-0F2C9A4E1111"


def test_the_qr_payload_verifies_like_the_token():
    assert receipts.verify(receipts.QR_PREFIX + token(), PUBLIC)["number"].startswith("R2026")


def test_a_receipt_whose_amount_was_changed_does_not_verify():
    header, body, signature = token().split(".")
    claims = jwt.decode(token(), options={"verify_signature": False})
    claims["receipt"]["amount_cents"] = 1
    forged_body = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    with pytest.raises(receipts.InvalidReceipt, match="signature"):
        receipts.verify(f"{header}.{forged_body}.{signature}", PUBLIC)


def test_a_receipt_signed_with_another_key_or_algorithm_does_not_verify():
    stranger = Ed25519PrivateKey.generate()
    with pytest.raises(receipts.InvalidReceipt, match="signature"):
        receipts.verify(receipts.sign(receipts.claims(PAYMENT, FEE, None, PAID), "r1",
                                      stranger), PUBLIC)
    unsigned = jwt.encode(receipts.claims(PAYMENT, FEE, None, PAID), None, algorithm="none")
    with pytest.raises(receipts.InvalidReceipt, match="algorithm"):
        receipts.verify(unsigned, PUBLIC)
    with pytest.raises(receipts.InvalidReceipt):
        receipts.verify("not a token", PUBLIC)


def test_the_published_key_set_is_all_a_verifier_needs():
    published = jwks(KEYS)["keys"][0]
    raw = base64.urlsafe_b64decode(published["x"] + "==")
    offline = {published["kid"]: Ed25519PublicKey.from_public_bytes(raw)}
    assert receipts.verify(token(), offline)["payment_id"] == PAYMENT.id


def signed(receipt_claim, **claims) -> str:
    return receipts.sign({"iss": receipts.ISSUER, "sub": "R20261126-0F2C9A4E1111",
                          "iat": int(PAID.timestamp()), **claims, **receipt_claim},
                         "r1", KEYS["r1"])


@pytest.mark.parametrize("receipt_claim", [
    {},
    {"receipt": "R20261126-0F2C9A4E1111"},
    {"receipt": None},
    {"receipt": ["a", "b"]},
    {"receipt": {"payment_id": PAYMENT.id}},
], ids=["no receipt", "a string", "null", "a list", "most fields missing"])
def test_a_well_signed_token_that_holds_no_receipt_does_not_verify(receipt_claim):
    with pytest.raises(receipts.InvalidReceipt, match="holds no receipt"):
        receipts.verify(signed(receipt_claim), PUBLIC)


@pytest.mark.parametrize("field, value", [
    ("payment_id", ["a", "b"]), ("payment_id", 7), ("amount_cents", "20000"),
    ("amount_cents", True), ("amount_cents", 1.5), ("paid_at", "yesterday"),
    ("paid_at", "2026-11-25T16:30:00"), ("fee", {"zh-CN": 1}), ("fee", "Traffic fine"),
    ("payer", {"name": "张*"}),
])
def test_a_well_signed_receipt_with_a_field_of_the_wrong_kind_does_not_verify(field, value):
    claim = receipts.claims(PAYMENT, FEE, "张*", PAID)["receipt"] | {field: value}
    with pytest.raises(receipts.InvalidReceipt, match=field) as refused:
        receipts.verify(signed({"receipt": claim}), PUBLIC)
    assert str(value) not in str(refused.value)
