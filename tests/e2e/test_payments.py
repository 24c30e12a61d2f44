"""A citizen pays a bill at the provider's cashier: the order moves forward only, each
move has its cause, every movement of money is booked twice, and the provider's
notifications are believed only when its signature is good and its amount the order's."""

import random
import uuid

import pytest
from sqlalchemy import text

from tests.e2e.test_real_name import citizen_at_level_2, error
from tests.fixtures.waiting import eventually

pytestmark = pytest.mark.e2e

PAYABLE, PAID, EXPIRED, OVERDUE = ("440100000000001", "440100000000002", "440100000000003",
                                   "440100000000004")


def ticket() -> str:
    """A payable fine of the test's own (sandboxes/agency.py: any other 4401 number)."""
    return f"4401{random.randrange(10**10, 10**11)}"


@pytest.fixture(scope="module")
def citizen(platform):
    """One citizen at level 2 for the module (each test pays bills of its own): proving a
    real name for every test cost a second each."""
    return citizen_at_level_2(platform)


@pytest.fixture(autouse=True)
def good_day(platform):
    """Each test starts with the provider behaving, and leaves it so."""
    platform.provider_behaves()
    yield
    platform.provider_behaves()


def lookup(platform, citizen, number=None, fee_code="traffic-fine"):
    partner, citizen_id = citizen
    return platform.call("POST", f"/v1/citizens/{citizen_id}/bills/lookup",
                         {"fee_code": fee_code, "bill_number": number or ticket()},
                         partner=partner)


def order(platform, citizen, body, key=None):
    partner, citizen_id = citizen
    return platform.call("POST", f"/v1/citizens/{citizen_id}/payments", body, partner=partner,
                         headers={"Idempotency-Key": key or str(uuid.uuid4())})


def ordered_bill(platform, citizen, number=None) -> dict:
    bill = lookup(platform, citizen, number)
    assert bill.status_code == 200, bill.text
    made = order(platform, citizen, {"bill_id": bill.json()["bill_id"]})
    assert made.status_code == 201, made.text
    return made.json()


def pay(platform, payment, outcome="success", late=False):
    answer = platform.http.post(payment["cashier_url"], json={"outcome": outcome, "late": late},
                                timeout=10)
    assert answer.status_code == 200, answer.text


def payment_of(platform, citizen, payment_id) -> dict:
    partner, citizen_id = citizen
    answer = platform.call("GET", f"/v1/citizens/{citizen_id}/payments/{payment_id}",
                           partner=partner)
    assert answer.status_code == 200, answer.text
    return answer.json()


def reaches(platform, citizen, payment_id, status) -> dict:
    return eventually(lambda: (lambda p: p if p["status"] == status else None)(
        payment_of(platform, citizen, payment_id)), timeout=20)


def metric(platform, name: str) -> float:
    return platform.counter("payments", name)


def ledger_total(platform) -> int:
    return platform.scalar("payments", "SELECT coalesce(sum(amount_cents), 0) "
                                       "FROM ledger_entries")


def entries_of(platform, payment_id) -> list[tuple[str, str, int]]:
    with platform.engine("payments").connect() as connection:
        rows = connection.execute(text(
            "SELECT movement, account, amount_cents FROM ledger_entries WHERE payment_id = :p "
            "ORDER BY id"), {"p": payment_id})
        return [(m.split(":", 1)[1], a, c) for m, a, c in rows]


def test_a_citizen_pays_a_fine_and_the_agency_confirms_it(platform, citizen):
    bill = lookup(platform, citizen, PAYABLE).json()
    assert (bill["amount_cents"], bill["late_fee_cents"], bill["status"]) == (
        20000, 0, "payable")
    made = order(platform, citizen, {"bill_id": bill["bill_id"]})
    assert made.status_code == 201, made.text
    payment = made.json()
    assert payment["status"] == "awaiting_payment" and payment["cashier_url"]
    assert payment["amount_cents"] == 20000 and payment["expires_at"] > payment["created_at"]
    pay(platform, payment)
    done = reaches(platform, citizen, payment["payment_id"], "agency_confirmed")
    assert [(h["to"], h["cause"]) for h in done["history"]] == [
        ("awaiting_payment", "created"), ("succeeded", "provider_notification"),
        ("agency_confirmed", "agency")]
    assert entries_of(platform, payment["payment_id"]) == [
        ("paid", "citizen", -20000), ("paid", "provider_clearing", 20000),
        ("passed_on", "provider_clearing", -20000), ("passed_on", "agency:traffic-police",
                                                      20000)]
    assert ledger_total(platform) == 0
    partner, citizen_id = citizen
    told = eventually(lambda: [m["template_id"] for m in platform.inbox(citizen_id, partner)
                               if (m["action"] or {}).get("id") == payment["payment_id"]]
                      or None)
    assert "payment_succeeded" in told


def test_an_overdue_fine_costs_its_late_fee_as_the_agency_charges_it(platform, citizen):
    bill = lookup(platform, citizen, OVERDUE).json()
    assert (bill["amount_cents"], bill["late_fee_cents"], bill["total_cents"]) == (
        20000, 6000, 26000)
    payment = order(platform, citizen, {"bill_id": bill["bill_id"]}).json()
    assert payment["amount_cents"] == 26000


def test_the_same_idempotency_key_and_body_is_the_same_order(platform, citizen):
    bill = lookup(platform, citizen).json()
    key = str(uuid.uuid4())
    first = order(platform, citizen, {"bill_id": bill["bill_id"]}, key)
    again = order(platform, citizen, {"bill_id": bill["bill_id"]}, key)
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json()["payment_id"] == first.json()["payment_id"]
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert "Idempotent-Replayed" not in first.headers
    partner, citizen_id = citizen
    listed = platform.call("GET", f"/v1/citizens/{citizen_id}/payments", partner=partner)
    assert [p["payment_id"] for p in listed.json()["items"]].count(
        first.json()["payment_id"]) == 1
    assert platform.scalar("payments", "SELECT count(*) FROM payments WHERE bill_id = :b",
                           b=bill["bill_id"]) == 1


def test_the_same_idempotency_key_with_another_body_is_refused(platform, citizen):
    key = str(uuid.uuid4())
    assert order(platform, citizen, {"fee_code": "hospital-registration"}, key).status_code == 201
    refused = order(platform, citizen, {"fee_code": "household-registration-certificate"}, key)
    assert error(refused) == (422, "idempotency_key_reused")
    assert refused.json()["error"]["field"] == "Idempotency-Key"


def test_an_order_without_an_idempotency_key_is_refused_and_nothing_is_made(platform, citizen):
    partner, citizen_id = citizen
    before = platform.count("payments", "payments")
    refused = platform.call("POST", f"/v1/citizens/{citizen_id}/payments",
                            {"fee_code": "hospital-registration"}, partner=partner)
    assert error(refused) == (422, "idempotency_key_missing")
    assert platform.count("payments", "payments") == before


def test_a_bill_has_one_order_in_flight_and_the_refusal_names_it(platform, citizen):
    bill = lookup(platform, citizen).json()
    first = order(platform, citizen, {"bill_id": bill["bill_id"]}).json()
    second = order(platform, citizen, {"bill_id": bill["bill_id"]})
    assert error(second) == (409, "payment_in_progress")
    assert first["payment_id"] in second.json()["error"]["message"]


def test_a_bill_already_paid_or_past_its_deadline_cannot_be_ordered(platform, citizen):
    paid = lookup(platform, citizen, PAID).json()
    assert paid["status"] == "paid"
    assert error(order(platform, citizen, {"bill_id": paid["bill_id"]})) == (
        409, "bill_already_paid")
    expired = lookup(platform, citizen, EXPIRED).json()
    assert error(order(platform, citizen, {"bill_id": expired["bill_id"]})) == (
        422, "bill_expired")


def test_a_paid_bill_cannot_be_ordered_again(platform, citizen):
    payment = ordered_bill(platform, citizen)
    pay(platform, payment)
    reaches(platform, citizen, payment["payment_id"], "agency_confirmed")
    assert error(order(platform, citizen, {"bill_id": payment["bill_id"]})) == (
        409, "bill_already_paid")


def test_a_billed_fee_is_ordered_by_its_bill_never_by_an_amount(platform, citizen):
    assert error(order(platform, citizen, {"fee_code": "traffic-fine"})) == (
        422, "fee_needs_bill")
    bill = lookup(platform, citizen).json()
    changed = order(platform, citizen, {"bill_id": bill["bill_id"], "amount_cents": 1})
    assert error(changed) == (422, "amount_changed")
    neither = order(platform, citizen, {})
    assert error(neither) == (422, "missing_field")
    both = order(platform, citizen, {"bill_id": bill["bill_id"], "fee_code": "traffic-fine"})
    assert error(both)[0] == 422


def test_another_citizens_bill_cannot_be_ordered(platform, citizen):
    bill = lookup(platform, citizen).json()
    someone_else = citizen_at_level_2(platform)
    assert error(order(platform, someone_else, {"bill_id": bill["bill_id"]})) == (
        404, "bill_not_found")


def test_a_declined_card_fails_the_order_and_takes_nothing(platform, citizen):
    payment = ordered_bill(platform, citizen)
    pay(platform, payment, "insufficient_funds")
    failed = reaches(platform, citizen, payment["payment_id"], "failed")
    assert failed["history"][-1]["cause"] == "provider_notification"
    assert entries_of(platform, payment["payment_id"]) == []


def test_a_lost_notification_is_made_good_by_the_janitors_query(platform, citizen):
    platform.provider_behaves(drop_rate=1.0)
    payment = ordered_bill(platform, citizen)
    pay(platform, payment)
    done = reaches(platform, citizen, payment["payment_id"], "agency_confirmed")
    assert ("succeeded", "provider_query") in [(h["to"], h["cause"]) for h in done["history"]]


def test_duplicated_notifications_are_applied_once(platform, citizen):
    platform.provider_behaves(duplicate_rate=1.0, retry_seconds=[0.2, 0.2])
    payment = ordered_bill(platform, citizen)
    pay(platform, payment)
    reaches(platform, citizen, payment["payment_id"], "agency_confirmed")
    counts = platform.sandbox("GET", "/v1/provider/behaviour").json()["counts"]
    assert counts["duplicated"] == 1  # positive control: the duplicate was sent
    moves = [m for m, _, _ in entries_of(platform, payment["payment_id"])]
    assert moves.count("paid") == 2  # one movement: two entries, not four


def test_a_forged_notification_is_refused_and_changes_nothing(platform, citizen):
    payment = ordered_bill(platform, citizen)
    mark = platform.log_mark()
    platform.sandbox("POST", "/v1/provider/notifications", {
        "out_trade_no": payment["payment_id"], "trade_status": "TRADE_SUCCESS",
        "forged": True})
    assert eventually(lambda: "bad signature" in platform.logs_since(mark))
    assert payment_of(platform, citizen, payment["payment_id"])["status"] == "awaiting_payment"
    assert entries_of(platform, payment["payment_id"]) == []


def test_a_notification_for_another_amount_is_refused_and_raised(platform, citizen):
    payment = ordered_bill(platform, citizen)
    mark = platform.log_mark()
    platform.sandbox("POST", "/v1/provider/notifications", {
        "out_trade_no": payment["payment_id"], "trade_status": "TRADE_SUCCESS",
        "total_amount": "0.01"})
    assert eventually(lambda: "amount is not the order's" in platform.logs_since(mark))
    assert payment_of(platform, citizen, payment["payment_id"])["status"] == "awaiting_payment"
    assert metric(platform, "cityhub_payment_amount_mismatches_total") >= 1


def test_a_notification_with_a_bad_signature_gets_fail_from_the_gateway(platform):
    answer = platform.http.post(f"{platform.url}/callbacks/payments/alipay",
                                data="out_trade_no=x&trade_status=TRADE_SUCCESS&sign=AAAA"
                                     "&sign_type=RSA2",
                                headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert (answer.status_code, answer.text) == (400, "fail")
    unknown = platform.http.post(f"{platform.url}/callbacks/payments/nobody", data="a=b")
    assert unknown.status_code == 404


def test_an_unpaid_order_expires_closed_at_the_provider_first(platform, citizen):
    payment = ordered_bill(platform, citizen)
    platform.execute("payments", "UPDATE payments SET expires_at = created_at, "
                                 "next_check_at = created_at WHERE id = :p",
                     p=payment["payment_id"])
    expired = reaches(platform, citizen, payment["payment_id"], "expired")
    assert expired["history"][-1]["cause"] == "janitor"
    trade = platform.sandbox("GET", f"/v1/provider/trades/{payment['payment_id']}").json()
    assert trade["trade_status"] == "TRADE_CLOSED"
    refused = platform.http.post(payment["cashier_url"], json={"outcome": "success"})
    assert refused.status_code == 409  # the citizen can no longer pay it


def test_money_that_lands_after_the_order_closed_is_refunded_once(platform, citizen):
    payment = ordered_bill(platform, citizen)
    platform.execute("payments", "UPDATE payments SET expires_at = created_at, "
                                 "next_check_at = created_at WHERE id = :p",
                     p=payment["payment_id"])
    reaches(platform, citizen, payment["payment_id"], "expired")
    platform.provider_behaves(duplicate_rate=1.0)
    pay(platform, payment, late=True)
    partner, citizen_id = citizen
    path = f"/v1/citizens/{citizen_id}/payments/{payment['payment_id']}/refunds"

    def refunded():
        items = platform.call("GET", path, partner=partner).json()["items"]
        return items if items and items[0]["status"] == "succeeded" else None

    refunds = eventually(refunded, timeout=20)
    assert [(r["amount_cents"], r["reason"], r["requested_by"]) for r in refunds] == [
        (payment["amount_cents"], "paid_after_close", "platform")]
    trade = platform.sandbox("GET", f"/v1/provider/trades/{payment['payment_id']}").json()
    assert trade["refund_fee"] == trade["total_amount"]  # refunded at the provider, once
    assert payment_of(platform, citizen, payment["payment_id"])["status"] == "expired"
    assert ledger_total(platform) == 0
    assert eventually(lambda: ("payment_refunded", payment["payment_id"]) in [
        (m["template_id"], (m["action"] or {}).get("id"))
        for m in platform.inbox(citizen_id, partner)])


def test_another_partners_citizens_payment_is_not_found(platform, citizen):
    payment = ordered_bill(platform, citizen)
    _, citizen_id = citizen
    answer = platform.call("GET", f"/v1/citizens/{citizen_id}/payments/{payment['payment_id']}")
    assert error(answer) == (404, "citizen_not_found")
    someone_else = citizen_at_level_2(platform)
    answer = platform.call("GET", f"/v1/citizens/{someone_else[1]}/payments/"
                                  f"{payment['payment_id']}", partner=someone_else[0])
    assert error(answer) == (404, "payment_not_found")
