"""Refunds: partial and several, each once by its request number, only when the caller
knows what is still refundable, asked for by ops or by the agency, and booked twice."""

import json
import uuid

import pytest

from chassis.assertions import load_keys
from chassis.settings import DEV_RECEIPT_KEY
from services.payments.domain import receipts
from tests.e2e.test_payments import ordered_bill, pay, payment_of, reaches
from tests.e2e.test_real_name import citizen_at_level_2
from tests.fixtures.platform import BIN
from tests.fixtures.waiting import eventually

pytestmark = pytest.mark.e2e

RECEIPT = {"number": "R20261126-0F2C9A4E1111", "payment_id": "0f2c9a4e-1111", "agency": "x",
           "payee": "x", "fee_code": "x", "fee": None, "reference": None, "amount_cents": 1,
           "currency": "CNY", "paid_at": "2026-11-25T16:30:00Z", "agency_confirmation": None,
           "payer": None}


@pytest.fixture(scope="module")
def payer(platform):
    """One citizen at level 2 for the module; each test pays a fine of its own."""
    return citizen_at_level_2(platform)


@pytest.fixture
def paid(platform, payer):
    """The citizen and a fine they paid, confirmed by the traffic police."""
    citizen = payer
    payment = ordered_bill(platform, citizen)
    pay(platform, payment)
    return citizen, reaches(platform, citizen, payment["payment_id"], "agency_confirmed")


def ops_refund(platform, payment_id, amount, refundable, request_no=None):
    import subprocess

    return subprocess.run([BIN / "cityhub", "payments", "refund", payment_id,
                           "--amount", str(amount), "--refundable", str(refundable),
                           "--request-no", request_no or uuid.uuid4().hex,
                           "--reason", "ops correction"],
                          env=platform.env, capture_output=True, text=True, timeout=60)


def refunds_of(platform, citizen, payment_id):
    partner, citizen_id = citizen
    return platform.call("GET", f"/v1/citizens/{citizen_id}/payments/{payment_id}/refunds",
                         partner=partner).json()["items"]


def settled(platform, citizen, payment_id, count):
    def done():
        items = refunds_of(platform, citizen, payment_id)
        return items if len(items) == count and all(
            r["status"] == "succeeded" for r in items) else None
    return eventually(done, timeout=20)


def test_two_partial_refunds_leave_the_order_partially_then_wholly_refunded(platform, paid):
    citizen, payment = paid
    total, pid = payment["amount_cents"], payment["payment_id"]
    assert payment["refundable_cents"] == total
    first = ops_refund(platform, pid, 100, total)
    assert first.returncode == 0, first.stderr
    settled(platform, citizen, pid, 1)
    assert payment_of(platform, citizen, pid)["status"] == "partially_refunded"
    assert payment_of(platform, citizen, pid)["refundable_cents"] == total - 100
    second = ops_refund(platform, pid, total - 100, total - 100)
    assert second.returncode == 0, second.stderr
    settled(platform, citizen, pid, 2)
    after = payment_of(platform, citizen, pid)
    assert (after["status"], after["refunded_cents"], after["refundable_cents"]) == (
        "refunded", total, 0)
    assert [h["to"] for h in after["history"]][-2:] == ["partially_refunded", "refunded"]
    trade = platform.sandbox("GET", f"/v1/provider/trades/{pid}").json()
    assert trade["refund_fee"] == trade["total_amount"]
    ledger = json.loads(platform.cli("ledger", "check"))
    assert ledger["balanced"] and ledger["total_cents"] == 0


def test_a_refund_with_a_stale_refundable_amount_is_refused_with_412(platform, paid):
    citizen, payment = paid
    pid, total = payment["payment_id"], payment["amount_cents"]
    assert ops_refund(platform, pid, 100, total).returncode == 0
    stale = ops_refund(platform, pid, 100, total)  # a second operator, a moment later
    assert stale.returncode == 1 and "refund_amount_mismatch" in stale.stderr
    too_much = ops_refund(platform, pid, total, total - 100)
    assert too_much.returncode == 1 and "refund_too_large" in too_much.stderr
    settled(platform, citizen, pid, 1)


def test_the_same_refund_request_number_is_one_refund(platform, paid):
    citizen, payment = paid
    pid, total = payment["payment_id"], payment["amount_cents"]
    number = uuid.uuid4().hex
    first = ops_refund(platform, pid, 100, total, number)
    again = ops_refund(platform, pid, 100, total - 100, number)
    assert first.returncode == again.returncode == 0, again.stderr
    assert json.loads(first.stdout)["refund_id"] == json.loads(again.stdout)["refund_id"]
    other = ops_refund(platform, pid, 200, total - 100, number)
    assert other.returncode == 1 and "refund_request_reused" in other.stderr
    settled(platform, citizen, pid, 1)


def test_an_unpaid_order_cannot_be_refunded(platform, payer):
    citizen = payer
    payment = ordered_bill(platform, citizen)
    refused = ops_refund(platform, payment["payment_id"], 100, 0)
    assert refused.returncode == 1 and "payment_not_refundable" in refused.stderr
    assert refunds_of(platform, citizen, payment["payment_id"]) == []


def test_the_agency_asks_for_a_refund_through_its_adapter(platform, paid):
    citizen, payment = paid
    pid, total = payment["payment_id"], payment["amount_cents"]
    platform.sandbox("POST", "/v1/agencies/traffic-police/refund-requests", {
        "order_id": pid, "amount_cents": 500, "refundable_cents": total,
        "request_no": f"TP-{uuid.uuid4().hex[:12]}", "reason": "fine_reduced"})
    refunds = settled(platform, citizen, pid, 1)
    assert [(r["amount_cents"], r["requested_by"], r["reason"]) for r in refunds] == [
        (500, "agency", "fine_reduced")]
    partner, citizen_id = citizen
    assert eventually(lambda: ("payment_refunded", pid) in [
        (m["template_id"], (m["action"] or {}).get("id"))
        for m in platform.inbox(citizen_id, partner)])


def test_a_confirmed_payment_has_a_receipt_anyone_can_verify(platform, paid):
    citizen, payment = paid
    partner, citizen_id = citizen
    path = f"/v1/citizens/{citizen_id}/payments/{payment['payment_id']}/receipt"
    copy = platform.call("GET", path, partner=partner)
    assert copy.status_code == 200, copy.text
    receipt = copy.json()
    assert receipt["receipt"]["payer"] == "张*"
    assert receipt["receipt"]["amount_cents"] == payment["amount_cents"]
    assert platform.call("GET", path, partner=partner).json()["token"] == receipt["token"]
    checked = platform.http.post(f"{platform.url}/v1/receipts/verify",
                                 json={"token": receipt["qr_payload"]}).json()
    assert (checked["valid"], checked["payment_status"]) == (True, "agency_confirmed")
    tampered = receipt["token"][:-4] + ("AAAA" if receipt["token"][-4:] != "AAAA" else "BBBB")
    refused = platform.http.post(f"{platform.url}/v1/receipts/verify",
                                 json={"token": tampered}).json()
    assert refused["valid"] is False and refused["receipt"] is None
    keys = platform.http.get(f"{platform.url}/v1/.well-known/jwks.json").json()["keys"]
    assert any(k["kid"].startswith("dev-rcpt") for k in keys)


@pytest.mark.parametrize("receipt_claim", [
    {}, {"receipt": "R20261126-0F2C9A4E1111"}, {"receipt": {"payment_id": ["a", "b"]}},
    {"receipt": {**RECEIPT, "payment_id": ["a", "b"]}},
], ids=["no receipt", "a string", "a list of ids", "a whole receipt but a list of ids"])
def test_a_well_signed_token_that_is_not_a_receipt_is_answered_not_valid(platform,
                                                                         receipt_claim):
    [(kid, key)] = load_keys(DEV_RECEIPT_KEY).items()
    token = receipts.sign({"iss": receipts.ISSUER, "sub": RECEIPT["number"], "iat": 1764000000,
                           **receipt_claim}, kid, key)
    checked = platform.http.post(f"{platform.url}/v1/receipts/verify", json={"token": token})
    assert checked.status_code == 200, checked.text
    assert checked.json()["valid"] is False and checked.json()["receipt"] is None
    assert "holds no receipt" in checked.json()["reason"] or "payment_id" in checked.json()[
        "reason"]


def test_an_unconfirmed_payment_has_no_receipt_yet(platform, payer):
    citizen = payer
    payment = ordered_bill(platform, citizen)
    partner, citizen_id = citizen
    answer = platform.call("GET", f"/v1/citizens/{citizen_id}/payments/"
                                  f"{payment['payment_id']}/receipt", partner=partner)
    assert answer.status_code == 409 and answer.json()["error"]["code"] == "receipt_not_ready"
