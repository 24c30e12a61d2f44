"""Paying a fee or booking a visit needs the level the catalogue declares for it."""

import random
import time
import uuid
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from tests.e2e.test_appointments import (
    HOSPITAL,
    HOSPITAL_DEPARTMENT,
    open_slot,
    places_left,
)
from tests.e2e.test_real_name import (
    ZHANG_SAN,
    citizen_at_level_1,
    citizen_at_level_2,
    error,
    new_partner,
    real_name,
)
from tests.fixtures.platform import CATALOGUE_LEVELS_SECONDS, SANDBOX

pytestmark = pytest.mark.e2e

FINE = {"fee_code": "traffic-fine", "amount_cents": 20000, "reference": "GZ-2026-0001"}


def ticket() -> str:
    """A payable fine of its own (sandboxes/agency.py: any other 4401 number)."""
    return f"4401{random.randrange(10**10, 10**11)}"


def fine_order(platform, citizen_id, partner=SANDBOX, **extra):
    """Look a fine up and order it, as a partner does."""
    bill = platform.call("POST", f"/v1/citizens/{citizen_id}/bills/lookup",
                         {"fee_code": "traffic-fine", "bill_number": ticket()}, partner=partner)
    assert bill.status_code == 200, bill.text
    return platform.call("POST", f"/v1/citizens/{citizen_id}/payments",
                         {"bill_id": bill.json()["bill_id"], **extra}, partner=partner,
                         headers={"Idempotency-Key": str(uuid.uuid4())})


def test_a_citizen_below_level_2_cannot_pay_a_fine_and_nothing_is_ordered(platform):
    citizen_id = citizen_at_level_1(platform)
    response = fine_order(platform, citizen_id)
    assert error(response) == (403, "assurance_level_too_low")
    body = response.json()["error"]
    assert "level 2" in body["message"] and body["field"] == "assurance_level"
    listed = platform.call("GET", f"/v1/citizens/{citizen_id}/payments").json()
    assert listed["items"] == []


def test_a_citizen_at_level_2_orders_a_fine_payment_awaiting_payment(platform):
    partner, citizen_id = citizen_at_level_2(platform)
    response = fine_order(platform, citizen_id, partner)
    assert response.status_code == 201, response.text
    order = response.json()
    assert (order["fee_code"], order["currency"], order["status"]) == (
        "traffic-fine", "CNY", "awaiting_payment")
    listed = platform.call("GET", f"/v1/citizens/{citizen_id}/payments", partner=partner)
    assert [p["payment_id"] for p in listed.json()["items"]] == [order["payment_id"]]


def test_a_water_bill_needs_only_a_confirmed_phone(platform):
    citizen_id = citizen_at_level_1(platform)
    month = datetime.now(ZoneInfo("Asia/Shanghai")).strftime("%Y%m")
    bill = platform.call("POST", f"/v1/citizens/{citizen_id}/bills/lookup",
                         {"fee_code": "water-bill",
                          "bill_number": f"W-{random.randrange(10**7, 10**8)}-{month}"})
    assert bill.status_code == 200, bill.text
    response = platform.call("POST", f"/v1/citizens/{citizen_id}/payments",
                             {"bill_id": bill.json()["bill_id"]},
                             headers={"Idempotency-Key": str(uuid.uuid4())})
    assert response.status_code == 201, response.text


def test_paying_an_unknown_fee_or_another_amount_than_the_fees_is_refused(platform):
    partner, citizen_id = citizen_at_level_2(platform)
    path = f"/v1/citizens/{citizen_id}/payments"

    def order(body):
        return platform.call("POST", path, body, partner=partner,
                             headers={"Idempotency-Key": str(uuid.uuid4())})

    assert error(order({"fee_code": "parking-permit"})) == (404, "fee_not_found")
    assert error(order({"fee_code": "hospital-registration", "amount_cents": 1})) == (
        422, "amount_changed")
    assert platform.call("GET", path, partner=partner).json()["items"] == []


def test_a_partner_cannot_order_a_payment_for_another_partners_citizen(platform):
    partner, citizen_id = citizen_at_level_2(platform)
    response = platform.call("POST", f"/v1/citizens/{citizen_id}/payments",
                             {"fee_code": "hospital-registration"},
                             headers={"Idempotency-Key": str(uuid.uuid4())})
    assert error(response) == (404, "citizen_not_found")


def test_a_citizen_below_level_2_cannot_hold_a_hospital_place_and_none_is_taken(platform):
    citizen_id = citizen_at_level_1(platform)
    slot = open_slot(platform, HOSPITAL, HOSPITAL_DEPARTMENT)
    before = places_left(platform, slot, HOSPITAL, HOSPITAL_DEPARTMENT)
    response = platform.call("POST", f"/v1/citizens/{citizen_id}/holds",
                             {"slot_id": slot["slot_id"]})
    assert error(response) == (403, "assurance_level_too_low")
    assert "level 2" in response.json()["error"]["message"]
    assert places_left(platform, slot, HOSPITAL, HOSPITAL_DEPARTMENT) == before


def test_a_citizen_refused_a_hospital_place_holds_one_as_soon_as_their_real_name_is_proven(
        platform):
    # The gateway keeps the citizen's level-1 assertion from the refused hold
    # (gateway/assertions.py); the level they prove next must count at once.
    partner = new_partner(platform)
    citizen_id = citizen_at_level_1(platform, partner)
    slot = open_slot(platform, HOSPITAL, HOSPITAL_DEPARTMENT)
    ask = {"slot_id": slot["slot_id"]}
    refused = platform.call("POST", f"/v1/citizens/{citizen_id}/holds", ask, partner=partner)
    assert error(refused) == (403, "assurance_level_too_low")
    assert real_name(platform, citizen_id, *ZHANG_SAN, partner=partner).status_code == 200
    held = platform.call("POST", f"/v1/citizens/{citizen_id}/holds", ask, partner=partner)
    assert held.status_code == 201, held.text


def test_a_service_hall_visit_needs_only_a_confirmed_phone(platform):
    citizen_id = citizen_at_level_1(platform)
    response = platform.call("POST", f"/v1/citizens/{citizen_id}/holds",
                             {"slot_id": open_slot(platform)["slot_id"]})
    assert response.status_code == 201, response.text


def test_the_catalogues_tell_partners_the_level_each_service_needs(platform):
    fees = platform.call("GET", "/v1/fees/catalogue").json()["items"]
    assert {f["code"]: f["required_assurance_level"] for f in fees}["traffic-fine"] == 2
    institutions = platform.call("GET", "/v1/institutions").json()["items"]
    levels = {i["kind"]: i["required_assurance_level"] for i in institutions}
    assert levels == {"hospital": 2, "service_hall": 1}


@pytest.fixture
def catalogue_level(platform):
    """Set a catalogue service's level as `cityhub seed` does after catalogue.yaml is
    edited, and put it back after the test."""
    changed = {}

    def set_level(code: str, level: int) -> None:
        changed.setdefault(code, platform.scalar(
            "matters", "SELECT required_assurance_level FROM catalogue_services "
                       "WHERE code = :code", code=code))
        platform.execute("matters", "UPDATE catalogue_services SET required_assurance_level "
                                    "= :level WHERE code = :code", level=level, code=code)

    yield set_level
    for code, level in changed.items():
        platform.execute("matters", "UPDATE catalogue_services SET required_assurance_level "
                                    "= :level WHERE code = :code", level=level, code=code)
    time.sleep(CATALOGUE_LEVELS_SECONDS + 0.5)  # the gateway has the old levels again


def test_a_level_changed_in_the_catalogue_is_the_one_every_hold_and_order_needs(
        platform, catalogue_level):
    citizen_id = citizen_at_level_1(platform)
    slot = open_slot(platform, HOSPITAL, HOSPITAL_DEPARTMENT)
    ask = {"slot_id": slot["slot_id"]}
    # control: the catalogue as seeded wants a real name for a hospital
    assert error(platform.call("POST", f"/v1/citizens/{citizen_id}/holds", ask)) == (
        403, "assurance_level_too_low")
    catalogue_level("hospital-registration", 1)
    time.sleep(CATALOGUE_LEVELS_SECONDS + 0.5)
    held = platform.call("POST", f"/v1/citizens/{citizen_id}/holds", ask)
    assert held.status_code == 201, held.text
    # and the other way: a fee the catalogue raises is refused below its new level
    catalogue_level("water-bill", 3)
    time.sleep(CATALOGUE_LEVELS_SECONDS + 0.5)
    month = datetime.now(ZoneInfo("Asia/Shanghai")).strftime("%Y%m")
    bill = platform.call("POST", f"/v1/citizens/{citizen_id}/bills/lookup",
                         {"fee_code": "water-bill",
                          "bill_number": f"W-{random.randrange(10**7, 10**8)}-{month}"})
    assert bill.status_code == 200, bill.text
    refused = platform.call("POST", f"/v1/citizens/{citizen_id}/payments",
                            {"bill_id": bill.json()["bill_id"]},
                            headers={"Idempotency-Key": str(uuid.uuid4())})
    assert error(refused) == (403, "assurance_level_too_low")
    assert "level 3" in refused.json()["error"]["message"]
