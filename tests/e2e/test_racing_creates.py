"""Twenty callers send the same create at once (a double tap, a retry racing the first
try, two devices): exactly one is told it created the thing (201) and the others get
the same thing (200); one thing is made. Whoever made it is decided by the insert that
won, not by a read before it."""

import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.e2e.test_appointments import (
    HOSPITAL,
    HOSPITAL_DEPARTMENT,
    book,
    hold,
    open_slot,
    places_left,
)
from tests.e2e.test_bills import water_account
from tests.e2e.test_matters import apply
from tests.e2e.test_real_name import citizen_at_level_1, citizen_at_level_2, error, new_partner
from tests.e2e.test_subscription_credits import mini_program, subscribe
from tests.e2e.test_webhooks import put_webhook
from tests.fixtures.waiting import eventually

pytestmark = pytest.mark.e2e

CALLERS = 20


def at_once(request) -> list:
    """`request()` sent by CALLERS callers at the same time; their answers."""
    with ThreadPoolExecutor(CALLERS) as pool:
        return list(pool.map(lambda _: request(), range(CALLERS)))


def statuses(answers) -> list[int]:
    return sorted(answer.status_code for answer in answers)


ONE_CREATED = [200] * (CALLERS - 1) + [201]


def items(platform, partner, citizen_id, what: str) -> list:
    """What GET /v1/citizens/{citizen_id}/{what} lists."""
    return platform.call("GET", f"/v1/citizens/{citizen_id}/{what}",
                         partner=partner).json()["items"]


def test_one_of_twenty_racing_registrations_of_a_user_is_told_it_created_the_citizen(
        platform):
    user = f"race-{uuid.uuid4().hex[:12]}"
    answers = at_once(lambda: platform.call("POST", "/v1/citizens", {
        "partner_user_id": user, "phone": "+8613812345678", "locale": "en"}))
    assert statuses(answers) == ONE_CREATED, [a.text for a in answers]
    assert len({answer.json()["citizen_id"] for answer in answers}) == 1


def test_one_of_twenty_racing_grants_of_a_consent_is_told_it_created_it(platform):
    partner, citizen_id = citizen_at_level_2(platform)
    answers = at_once(lambda: platform.call(
        "POST", f"/v1/citizens/{citizen_id}/consents",
        {"attributes": ["name"], "purpose": "race-check"}, partner=partner))
    assert statuses(answers) == ONE_CREATED, [a.text for a in answers]
    assert len({answer.json()["consent_id"] for answer in answers}) == 1
    listed = items(platform, partner, citizen_id, "consents")
    assert [(c["purpose"], c["attributes"]) for c in listed] == [("race-check", ["name"])]


def test_twenty_racing_one_time_acceptances_make_one_subscription_with_twenty_credits(
        platform):
    partner, _ = mini_program(platform)
    citizen_id = platform.register(f"race-{uuid.uuid4().hex[:10]}", partner=partner)[
        "citizen_id"]
    answers = at_once(lambda: subscribe(platform, partner, citizen_id, "level_reached"))
    assert statuses(answers) == ONE_CREATED, [a.text for a in answers]
    listed = items(platform, partner, citizen_id, "subscriptions")
    assert [(s["template_id"], s["one_time_credits"]) for s in listed] == [
        ("level_reached", CALLERS)]


def test_one_of_twenty_racing_long_term_acceptances_is_told_it_created_the_subscription(
        platform):
    partner, _ = mini_program(platform)
    citizen_id = platform.register(f"race-{uuid.uuid4().hex[:10]}", partner=partner)[
        "citizen_id"]
    answers = at_once(lambda: subscribe(platform, partner, citizen_id, "payment_succeeded",
                                        "long_term"))
    assert statuses(answers) == ONE_CREATED, [a.text for a in answers]
    assert all(answer.json()["long_term"] for answer in answers)


def test_one_of_twenty_racing_webhook_registrations_gets_the_secret(platform):
    partner = new_partner(platform)
    url = platform.receiver_url(f"race-{uuid.uuid4().hex[:10]}")
    answers = at_once(lambda: put_webhook(platform, partner, url, ["account"]))
    assert statuses(answers) == ONE_CREATED, [a.text for a in answers]
    assert [bool(answer.json().get("secret")) for answer in answers].count(True) == 1


def test_one_of_twenty_racing_links_of_an_account_is_told_it_linked_it(platform):
    partner, citizen_id = citizen_at_level_2(platform)
    body = {"fee_code": "water-bill", "account": water_account()}
    answers = at_once(lambda: platform.call("POST", f"/v1/citizens/{citizen_id}/accounts",
                                            body, partner=partner))
    assert statuses(answers) == ONE_CREATED, [a.text for a in answers]
    listed = items(platform, partner, citizen_id, "accounts")
    assert [account["account"] for account in listed] == [body["account"]]


def test_one_of_twenty_racing_applications_opens_the_matter_and_the_rest_are_told_it_is_open(
        platform):
    partner, citizen_id = citizen_at_level_2(platform)
    answers = at_once(lambda: apply(platform, citizen_id, partner))
    assert statuses(answers) == [201] + [409] * (CALLERS - 1), [a.text for a in answers]
    opened = next(answer.json() for answer in answers if answer.status_code == 201)
    refused = [answer for answer in answers if answer.status_code == 409]
    assert {error(answer)[1] for answer in refused} == {"application_open"}
    assert all(opened["tracking_number"] in answer.json()["error"]["message"]
               for answer in refused)
    listed = items(platform, partner, citizen_id, "matters")
    assert [matter["tracking_number"] for matter in listed] == [opened["tracking_number"]]


def test_one_of_twenty_racing_ratings_of_a_closed_matter_rates_it_and_the_rest_are_refused(
        platform):
    partner, citizen_id = citizen_at_level_2(platform)
    number = apply(platform, citizen_id, partner).json()["tracking_number"]
    path = f"/v1/citizens/{citizen_id}/matters/{number}"
    assert eventually(lambda: platform.call("GET", path, partner=partner).json()[
        "state"] == "in_review")
    assert platform.sandbox("POST", "/v1/approvals/public-security/decisions", {
        "tracking_number": number, "action": "approve"}).status_code == 201
    assert eventually(lambda: platform.call("GET", path, partner=partner).json()[
        "state"] == "approved")
    answers = at_once(lambda: platform.call("POST", f"{path}/rating",
                                            {"level": "dissatisfied"}, partner=partner))
    assert statuses(answers) == [201] + [409] * (CALLERS - 1), [a.text for a in answers]
    assert {error(answer)[1] for answer in answers if answer.status_code == 409} == {
        "already_rated"}
    assert platform.scalar("matters", "SELECT count(*) FROM rectification_tasks "
                                      "WHERE tracking_number = :number", number=number) == 1


def test_one_of_twenty_racing_bookings_of_a_hold_books_it_and_the_rest_see_that_booking(
        platform):
    citizen_id = citizen_at_level_1(platform)
    slot = open_slot(platform)
    before = places_left(platform, slot)
    hold_id = hold(platform, citizen_id, slot).json()["hold_id"]
    answers = at_once(lambda: book(platform, citizen_id, hold_id))
    assert statuses(answers) == ONE_CREATED, [a.text for a in answers]
    assert {(answer.json()["appointment_id"], answer.json()["status"])
            for answer in answers} == {(hold_id, "booked")}
    assert places_left(platform, slot) == before - 1
    booked = eventually(lambda: [m for m in platform.inbox(citizen_id)
                                 if m["template_id"] == "appointment_booked"])
    assert len(booked) == 1  # told once


def test_one_of_twenty_racing_bookings_of_a_paid_hold_orders_its_fee_once(platform):
    partner, citizen_id = citizen_at_level_2(platform)
    slot = open_slot(platform, HOSPITAL, HOSPITAL_DEPARTMENT)
    hold_id = hold(platform, citizen_id, slot, partner).json()["hold_id"]
    answers = at_once(lambda: book(platform, citizen_id, hold_id, partner))
    assert statuses(answers) == ONE_CREATED, [a.text for a in answers]
    assert len({answer.json()["payment"]["payment_id"] for answer in answers}) == 1
    assert {answer.json()["status"] for answer in answers} == {"pending"}


def test_one_of_twenty_racing_joins_of_a_waitlist_is_told_it_joined(platform):
    slot = open_slot(platform)
    for _ in range(slot["places_left"]):
        assert hold(platform, citizen_at_level_1(platform), slot).status_code == 201
    waiting = citizen_at_level_1(platform)
    answers = at_once(lambda: platform.call("POST", f"/v1/citizens/{waiting}/waitlist",
                                            {"slot_id": slot["slot_id"]}))
    assert statuses(answers) == ONE_CREATED, [a.text for a in answers]
    assert len({answer.json()["waitlist_id"] for answer in answers}) == 1


def test_twenty_racing_orders_under_one_idempotency_key_make_one_order_told_once(platform):
    partner, citizen_id = citizen_at_level_2(platform)
    key = str(uuid.uuid4())
    answers = at_once(lambda: platform.call(
        "POST", f"/v1/citizens/{citizen_id}/payments", {"fee_code": "hospital-registration"},
        partner=partner, headers={"Idempotency-Key": key}))
    assert statuses(answers) == [201] * CALLERS, [a.text for a in answers]
    assert len({answer.json()["payment_id"] for answer in answers}) == 1
    assert [answer.headers.get("Idempotent-Replayed") for answer in answers].count(
        None) == 1
