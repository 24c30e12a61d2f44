"""The citizen's overview: one call gathers the level, bills, payments, visits,
matters and unread notifications from every service."""

import pytest

from tests.e2e.test_appointments import book, hold, open_slot
from tests.e2e.test_matters import apply
from tests.e2e.test_payments import ordered_bill
from tests.e2e.test_real_name import citizen_at_level_2, error, new_partner
from tests.fixtures.waiting import eventually


def overview(platform, citizen_id, partner=None):
    kwargs = {"partner": partner} if partner else {}
    return platform.call("GET", f"/v1/citizens/{citizen_id}/overview", **kwargs)


pytestmark = pytest.mark.e2e


def test_the_overview_shows_everything_in_flight_for_the_citizen_in_one_answer(platform):
    partner, citizen_id = citizen = citizen_at_level_2(platform)
    payment = ordered_bill(platform, citizen)
    held = hold(platform, citizen_id, open_slot(platform), partner)
    assert held.status_code == 201, held.text
    booked = book(platform, citizen_id, held.json()["hold_id"], partner)
    assert booked.status_code == 201, booked.text
    number = apply(platform, citizen_id, partner).json()["tracking_number"]
    # welcome, level 1, level 2, the booking, the application
    eventually(lambda: overview(platform, citizen_id, partner).json()["notifications"].get(
        "unread_count", 0) >= 5)

    answer = overview(platform, citizen_id, partner)
    assert answer.status_code == 200, answer.text
    found = answer.json()
    assert found["complete"] is True and found["citizen_id"] == citizen_id
    assert found["identity"] == {"status": "ok", "assurance_level": 2, "locale": "en"}
    assert [p["payment_id"] for p in found["payments"]["in_flight"]] == [payment["payment_id"]]
    assert found["payments"]["status"] == "ok"
    assert [a["appointment_id"] for a in found["appointments"]["upcoming"]] == [
        booked.json()["appointment_id"]]
    # the application, and the payment and the visit followed as matters
    open_matters = eventually(lambda: sorted(
        (m["kind"], m["waiting_for"]) for m in overview(platform, citizen_id, partner).json()[
            "matters"]["open"]) == [("application", "agency"), ("appointment", "citizen"),
                                    ("payment", "citizen")])
    assert open_matters, overview(platform, citizen_id, partner).json()["matters"]
    assert number in [m["tracking_number"] for m in found["matters"]["open"]]
    assert found["notifications"]["unread_count"] >= 5


def test_a_new_citizen_has_an_empty_but_complete_overview(platform):
    citizen_id = platform.register("overview-new")["citizen_id"]
    found = platform.call("GET", f"/v1/citizens/{citizen_id}/overview").json()
    assert found["complete"] is True
    assert found["payments"] == {"status": "ok", "bills_due": [], "in_flight": []}
    assert found["appointments"] == {"status": "ok", "upcoming": []}
    assert found["matters"] == {"status": "ok", "open": []}


def test_another_partners_citizen_has_no_overview(platform):
    citizen_id = platform.register("overview-theirs")["citizen_id"]
    assert error(overview(platform, citizen_id, new_partner(platform))) == (
        404, "citizen_not_found")
