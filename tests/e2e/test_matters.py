"""A citizen applies for a service its agency decides and follows it by tracking number,
through the gateway."""

import json
import re

import pytest

from tests.e2e.test_real_name import citizen_at_level_1, citizen_at_level_2, error
from tests.fixtures.waiting import eventually

pytestmark = pytest.mark.e2e

CERTIFICATE = "household-registration-certificate"
PHONE = "+8613900001111"


def apply(platform, citizen_id, partner=None, service=CERTIFICATE, documents=("doc:scan-1",)):
    kwargs = {"partner": partner} if partner else {}
    return platform.call("POST", f"/v1/citizens/{citizen_id}/applications",
                         {"service_code": service, "documents": list(documents),
                          "phone": PHONE}, **kwargs)


def test_a_citizen_applies_and_follows_the_application_by_its_tracking_number(platform):
    partner, citizen_id = citizen_at_level_2(platform)
    response = apply(platform, citizen_id, partner)
    assert response.status_code == 201, response.text
    matter = response.json()
    assert re.fullmatch(r"GZ-\d{8}-\d{6}", matter["tracking_number"])
    assert (matter["state"], matter["waiting_for"]) == ("submitted", "agency")
    assert matter["due_at"] is not None and matter["closed_at"] is None
    assert [(s["action"], s["by"], s["to"]) for s in matter["timeline"]] == [
        ("apply", "citizen", "submitted")]
    assert matter["timeline"][0]["detail"] == {"documents": ["doc:scan-1"]}
    number = matter["tracking_number"]
    again = apply(platform, citizen_id, partner)  # a retry after a lost answer
    assert error(again) == (409, "application_open") and number in again.text
    listed = platform.call("GET", f"/v1/citizens/{citizen_id}/matters", partner=partner)
    assert [m["tracking_number"] for m in listed.json()["items"]] == [number]
    one = platform.call("GET", f"/v1/citizens/{citizen_id}/matters/{number}", partner=partner)
    # the agency may have accepted it meanwhile: the same matter, the same first step
    assert one.json()["tracking_number"] == number
    assert one.json()["timeline"][0] == matter["timeline"][0]


def test_a_withdrawn_application_is_closed_and_cannot_be_withdrawn_again(platform):
    partner, citizen_id = citizen_at_level_2(platform)
    number = apply(platform, citizen_id, partner).json()["tracking_number"]
    path = f"/v1/citizens/{citizen_id}/matters/{number}"
    withdrawn = platform.call("POST", f"{path}/withdraw", partner=partner)
    assert withdrawn.status_code == 200, withdrawn.text
    assert (withdrawn.json()["state"], withdrawn.json()["waiting_for"]) == ("withdrawn", None)
    assert withdrawn.json()["closed_at"] is not None
    assert error(platform.call("POST", f"{path}/withdraw", partner=partner)) == (
        409, "not_allowed_now")
    assert error(platform.call("POST", f"{path}/resubmit", {"documents": []},
                               partner=partner)) == (409, "not_allowed_now")


def test_an_application_refused_opens_no_matter(platform):
    citizen_id = citizen_at_level_1(platform)
    assert error(apply(platform, citizen_id)) == (403, "assurance_level_too_low")
    assert error(apply(platform, citizen_id, service="water-bill")) == (409, "not_applied_for")
    assert error(apply(platform, citizen_id, service="no-such-service")) == (
        404, "service_not_found")
    assert error(apply(platform, citizen_id, documents=["x" * 201]))[0] == 422
    listed = platform.call("GET", f"/v1/citizens/{citizen_id}/matters")
    assert listed.status_code == 200 and listed.json()["items"] == []


def test_another_partners_citizen_or_an_unknown_number_is_not_found(platform):
    partner, citizen_id = citizen_at_level_2(platform)
    number = apply(platform, citizen_id, partner).json()["tracking_number"]
    assert error(platform.call("GET", f"/v1/citizens/{citizen_id}/matters/{number}")) == (
        404, "citizen_not_found")  # the sandbox partner asks for another's citizen
    assert error(platform.call("GET", f"/v1/citizens/{citizen_id}/matters/GZ-20990101-000001",
                               partner=partner)) == (404, "matter_not_found")
    other = citizen_at_level_1(platform)
    assert error(platform.call("GET", f"/v1/citizens/{other}/matters/{number}")) == (
        404, "matter_not_found")  # another citizen's number


def test_an_agency_sends_an_application_back_once_and_approves_it_put_right_and_each_step_is_told(
        platform):
    partner, citizen_id = citizen_at_level_2(platform)
    number = apply(platform, citizen_id, partner,
                   documents=["TEST-INCOMPLETE"]).json()["tracking_number"]
    path = f"/v1/citizens/{citizen_id}/matters/{number}"

    def state():
        return platform.call("GET", path, partner=partner).json()

    sent_back = eventually(lambda: (m := state())["state"] == "awaiting_corrections" and m)
    assert sent_back, state()
    assert sent_back["corrections"] == ["photo", "proof-of-address"]
    assert sent_back["waiting_for"] == "citizen" and sent_back["due_at"] is not None
    resubmitted = platform.call("POST", f"{path}/resubmit", {"documents": ["doc:photo"]},
                                partner=partner)
    assert resubmitted.status_code == 200, resubmitted.text
    approved = eventually(lambda: (m := state())["state"] == "approved" and m)
    assert approved, state()
    assert [(s["action"], s["by"]) for s in approved["timeline"]] == [
        ("apply", "citizen"), ("accept", "agency"), ("request_corrections", "agency"),
        ("resubmit", "citizen"), ("approve", "agency")]
    assert approved["timeline"][2]["says"] == "部门一次性告知需补正：photo、proof-of-address"
    in_english = platform.call("GET", path, partner=partner,
                               headers={"Accept-Language": "en-GB,en;q=0.9"}).json()
    assert [s["says"] for s in in_english["timeline"]][-1] == "Approved"
    received = platform.sandbox("GET", "/v1/approvals/public-security/messages").json()
    assert [m["kind"] for m in received["items"] if m["tracking_number"] == number] == [
        "application", "resubmission"]

    def told():
        items = platform.call("GET", f"/v1/citizens/{citizen_id}/notifications?limit=50",
                              partner=partner).json()["items"]
        return sorted(m["template_id"] for m in items if m["category"] == "matter")

    expected = sorted(["matter_submitted", "matter_accepted", "matter_corrections",
                       "matter_approved"])  # their own resubmission is not told back
    assert eventually(lambda: told() == expected), told()


def test_an_application_the_agency_refuses_is_closed_with_its_reason(platform):
    partner, citizen_id = citizen_at_level_2(platform)
    number = apply(platform, citizen_id, partner,
                   documents=["TEST-REJECT"]).json()["tracking_number"]
    path = f"/v1/citizens/{citizen_id}/matters/{number}"
    rejected = eventually(lambda: (m := platform.call("GET", path, partner=partner).json())[
        "state"] == "rejected" and m)
    assert rejected and rejected["closed_at"] is not None
    assert rejected["timeline"][-1]["detail"] == {"reason": "does_not_qualify"}


def test_a_citizen_rates_a_decided_matter_once_and_a_poor_rating_is_the_agencys_duty(
        platform):
    partner, citizen_id = citizen_at_level_2(platform)
    number = apply(platform, citizen_id, partner).json()["tracking_number"]
    path = f"/v1/citizens/{citizen_id}/matters/{number}"
    early = platform.call("POST", f"{path}/rating", {"level": "satisfied"}, partner=partner)
    assert error(early) == (409, "matter_not_closed")
    assert eventually(lambda: platform.call("GET", path, partner=partner).json()[
        "state"] == "in_review")  # the agency has it
    assert platform.sandbox("POST", "/v1/approvals/public-security/decisions", {
        "tracking_number": number, "action": "approve"}).status_code == 201
    assert eventually(lambda: platform.call("GET", path, partner=partner).json()[
        "state"] == "approved")
    rated = platform.call("POST", f"{path}/rating",
                          {"level": "dissatisfied", "comment": "两次才办好"}, partner=partner)
    assert rated.status_code == 201, rated.text
    assert rated.json()["rectification"]["status"] == "open"
    assert "两次" not in rated.text  # the words are kept, sealed, not echoed
    again = platform.call("POST", f"{path}/rating", {"level": "satisfied"}, partner=partner)
    assert error(again) == (409, "already_rated")
    assert error(platform.call("POST", f"{path}/rating", {"level": "meh"},
                               partner=partner)) == (422, "validation_error")

    def told():
        items = platform.sandbox("GET", "/v1/approvals/public-security/messages").json()
        return [m for m in items["items"] if m["tracking_number"] == number
                and m["kind"] == "rectification"]

    assert eventually(told), "the agency never heard of its rectification task"
    assert "两次" not in str(told())
    clerk = platform.sandbox("POST", "/v1/approvals/public-security/decisions",
                             {"tracking_number": number, "action": "rectified",
                              "reason": "queue rules changed"})
    assert clerk.status_code == 201

    def agency_report():
        report = json.loads(platform.cli("matters", "report"))
        return report["agencies"].get("public-security", {}).get("rectifications", {})

    assert eventually(lambda: agency_report().get("closed_in_time", 0) >= 1), agency_report()


def test_a_payment_is_followed_as_a_matter_until_its_agency_confirms_it(platform):
    from tests.e2e.test_payments import ordered_bill, pay

    partner, citizen_id = citizen = citizen_at_level_2(platform)
    payment = ordered_bill(platform, citizen)
    pay(platform, payment)

    def followed():
        items = platform.call("GET", f"/v1/citizens/{citizen_id}/matters",
                              partner=partner).json()["items"]
        return [m for m in items if m["kind"] == "payment"]

    # each step in the order it happened, though the events may arrive in another
    done = eventually(lambda: (found := followed()) and found[0]["state"] == "confirmed"
                      and [s["action"] for s in found[0]["timeline"]] == [
                          "order", "pay", "confirm"] and found)
    assert done, followed()
    assert re.fullmatch(r"GZ-\d{8}-\d{6}", done[0]["tracking_number"])
    withdrawn = platform.call(
        "POST", f"/v1/citizens/{citizen_id}/matters/{done[0]['tracking_number']}/withdraw",
        partner=partner)
    assert error(withdrawn) == (409, "not_an_application")
