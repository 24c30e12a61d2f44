"""Bills come from the agencies: looked up by number, or fetched daily for the accounts
a citizen linked, and the citizen is told of each new one."""

import json
import random
import subprocess
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from tests.e2e.test_real_name import citizen_at_level_1, citizen_at_level_2, error
from tests.fixtures.platform import BIN
from tests.fixtures.waiting import eventually

pytestmark = pytest.mark.e2e


def month() -> str:
    return datetime.now(ZoneInfo("Asia/Shanghai")).strftime("%Y%m")


def water_account() -> str:
    return f"W-{random.randrange(10**7, 10**8)}"


def call(platform, citizen, method, path, body=None):
    partner, citizen_id = citizen
    return platform.call(method, f"/v1/citizens/{citizen_id}{path}", body, partner=partner)


def test_a_bill_is_looked_up_with_the_agencys_amount_due_date_and_payee(platform):
    citizen = citizen_at_level_2(platform)
    account = water_account()
    answer = call(platform, citizen, "POST", "/bills/lookup",
                  {"fee_code": "water-bill", "bill_number": f"{account}-{month()}"})
    assert answer.status_code == 200, answer.text
    bill = answer.json()
    assert (bill["account"], bill["payee"], bill["status"]) == (
        account, "City Water Supply Co.", "payable")
    assert 2000 <= bill["amount_cents"] <= 12000 and bill["total_cents"] == bill["amount_cents"]
    listed = call(platform, citizen, "GET", "/bills").json()["items"]
    assert [b["bill_id"] for b in listed] == [bill["bill_id"]]


def test_looking_up_what_the_agency_does_not_have_or_cannot_answer_is_refused(platform):
    citizen = citizen_at_level_2(platform)
    path = "/bills/lookup"
    assert error(call(platform, citizen, "POST", path, {
        "fee_code": "traffic-fine", "bill_number": "9999000000001"})) == (404, "bill_not_found")
    down = call(platform, citizen, "POST", path, {
        "fee_code": "electricity-bill", "bill_number": f"E-00000503-{month()}"})
    assert error(down) == (503, "agency_unavailable")
    assert error(call(platform, citizen, "POST", path, {
        "fee_code": "hospital-registration", "bill_number": "ABCD-1234"})) == (
        422, "fee_not_billed")
    assert error(call(platform, citizen, "POST", path, {
        "fee_code": "parking-permit", "bill_number": "ABCD-1234"})) == (404, "fee_not_found")
    assert error(call(platform, citizen, "POST", path, {
        "fee_code": "traffic-fine", "bill_number": "has space"})) == (422, "validation_error")
    assert call(platform, citizen, "GET", "/bills").json()["items"] == []


@pytest.mark.parametrize("fee_code, bill_number", [
    ("water-bill", "W-12345678-202600"), ("water-bill", "W-12345678-202613"),
    ("electricity-bill", "E-12345678-0999"), ("social-insurance-dues", "SI-12345678-0000"),
])
def test_a_bill_of_no_real_month_or_year_is_not_found(platform, fee_code, bill_number):
    citizen = citizen_at_level_2(platform)
    answer = call(platform, citizen, "POST", "/bills/lookup",
                  {"fee_code": fee_code, "bill_number": bill_number})
    assert error(answer) == (404, "bill_not_found")


def test_linking_an_account_needs_level_2_and_the_agencys_word(platform):
    level_1 = (("sandbox", "sandbox-secret"), citizen_at_level_1(platform))
    account = water_account()
    body = {"fee_code": "water-bill", "account": account}
    assert error(call(platform, level_1, "POST", "/accounts", body)) == (
        403, "assurance_level_too_low")
    citizen = citizen_at_level_2(platform)
    linked = call(platform, citizen, "POST", "/accounts", body)
    assert linked.status_code == 201, linked.text
    assert call(platform, citizen, "POST", "/accounts", body).status_code == 200
    assert error(call(platform, citizen, "POST", "/accounts", {
        "fee_code": "water-bill", "account": "W-00000403"})) == (403, "account_holder_mismatch")
    assert error(call(platform, citizen, "POST", "/accounts", {
        "fee_code": "water-bill", "account": "E-12345678"})) == (404, "account_not_found")
    listed = call(platform, citizen, "GET", "/accounts").json()["items"]
    assert [(a["fee_code"], a["account"]) for a in listed] == [("water-bill", account)]
    assert call(platform, citizen, "DELETE", f"/accounts/water-bill/{account}").status_code == 204
    assert call(platform, citizen, "GET", "/accounts").json()["items"] == []
    assert error(call(platform, citizen, "DELETE", f"/accounts/water-bill/{account}")) == (
        404, "account_not_found")


def test_the_bills_of_an_account_its_holder_linked_are_theirs_to_see(platform):
    holder, stranger = citizen_at_level_2(platform), citizen_at_level_2(platform)
    account = water_account()
    bill = {"fee_code": "water-bill", "bill_number": f"{account}-{month()}"}
    assert call(platform, stranger, "POST", "/bills/lookup", bill).status_code == 200
    call(platform, holder, "POST", "/accounts", {"fee_code": "water-bill", "account": account})
    assert error(call(platform, stranger, "POST", "/bills/lookup", bill)) == (
        403, "account_not_linked")
    assert call(platform, holder, "POST", "/bills/lookup", bill).status_code == 200


def test_the_daily_refresh_finds_new_bills_and_tells_the_citizen_once(platform):
    citizen = citizen_at_level_2(platform)
    account = water_account()
    call(platform, citizen, "POST", "/accounts", {"fee_code": "water-bill", "account": account})
    platform.sandbox("POST", f"/v1/agencies/water-company/accounts/{account}/bills",
                     {"amount_cents": 4321})
    done = subprocess.run([BIN / "cityhub", "bills", "refresh"], env=platform.env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout)
    assert summary["refreshed"] >= 1 and summary["failed"] == 0
    assert "account" in done.stderr  # the progress bar
    bills = call(platform, citizen, "GET", "/bills").json()["items"]
    totals = [b["total_cents"] for b in bills if b["account"] == account]
    assert 4321 in totals and len(totals) == 2  # the new bill, and this month's
    partner, citizen_id = citizen
    told = eventually(lambda: [m for m in platform.inbox(citizen_id, partner)
                               if m["template_id"] == "bill_issued"] or None)
    again = subprocess.run([BIN / "cityhub", "bills", "refresh"], env=platform.env,
                           capture_output=True, text=True, timeout=120)
    assert json.loads(again.stdout)["issued"] == 0  # refreshed today: nothing new to tell
    assert len(told) == 2 and "43.21" in " ".join(m["body"] for m in told)
