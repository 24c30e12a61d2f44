"""Booking a visit through the gateway: departments and their slots, holding a place,
booking it (a hospital's after its registration fee is paid at the provider's
cashier), letting it go, cancelling, and the limits that keep places fair."""

import json
import re
import uuid
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from tests.e2e.test_real_name import citizen_at_level_1, citizen_at_level_2, error
from tests.fixtures.waiting import eventually

pytestmark = pytest.mark.e2e

HALL, HALL_DEPARTMENT = "hall-tianhe", "hall-tianhe.household"
HOSPITAL, HOSPITAL_DEPARTMENT = "hosp-city-first", "hosp-city-first.internal"
CITY = ZoneInfo("Asia/Shanghai")


def slots(platform, institution, department, days=14) -> list[dict]:
    today = datetime.now(CITY).date()
    response = platform.call("GET", f"/v1/institutions/{institution}/slots?department="
                             f"{department}&from={today}&to={today + timedelta(days=days)}")
    assert response.status_code == 200, response.text
    return response.json()["items"]


def open_slot(platform, institution=HALL, department=HALL_DEPARTMENT, skip_days=()) -> dict:
    """A released slot with a place left, starting at least an hour from now, on a day
    not in `skip_days`."""
    soon = datetime.now(CITY) + timedelta(hours=1)
    for slot in slots(platform, institution, department):
        if (slot["released"] and slot["places_left"] > 0 and slot["day"] not in skip_days
                and datetime.fromisoformat(slot["start"]) > soon):
            return slot
    raise AssertionError("no open slot: are the schedules seeded and the slots made?")


def places_left(platform, slot, institution=HALL, department=HALL_DEPARTMENT) -> int:
    return next(s["places_left"] for s in slots(platform, institution, department)
                if s["slot_id"] == slot["slot_id"])


def hold(platform, citizen_id, slot, partner=None):
    kwargs = {"partner": partner} if partner else {}
    return platform.call("POST", f"/v1/citizens/{citizen_id}/holds",
                         {"slot_id": slot["slot_id"]}, **kwargs)


def book(platform, citizen_id, hold_id, partner=None):
    kwargs = {"partner": partner} if partner else {}
    return platform.call("POST", f"/v1/citizens/{citizen_id}/appointments",
                         {"hold_id": hold_id}, **kwargs)


def test_a_hall_lists_its_services_with_the_documents_to_bring(platform):
    response = platform.call("GET", f"/v1/institutions/{HALL}/departments")
    assert response.status_code == 200, response.text
    departments = {d["id"]: d for d in response.json()["items"]}
    household = departments[HALL_DEPARTMENT]
    assert household["fee_code"] is None
    assert {"zh-CN": "户口簿", "en": "Household register booklet"} in household["documents"]
    hospital = platform.call("GET", f"/v1/institutions/{HOSPITAL}/departments").json()
    assert {d["fee_code"] for d in hospital["items"]} == {"hospital-registration"}


def test_slots_show_their_places_and_when_they_open(platform):
    listed = slots(platform, HOSPITAL, HOSPITAL_DEPARTMENT, days=9)
    assert listed, "the hospital's slots were not made"
    assert all(s["department_id"] == HOSPITAL_DEPARTMENT for s in listed)
    now = datetime.now(CITY)
    for slot in listed:
        assert datetime.fromisoformat(slot["start"]) > now  # a started slot is not listed
        assert slot["released"] == (datetime.fromisoformat(slot["opens_at"]) <= now)
        assert slot["status"] == ("free" if slot["places_left"] > 0 else "busy")
    starts = [s["start"] for s in listed]
    assert starts == sorted(starts)


def test_asking_for_slots_wrongly_is_refused(platform):
    path = f"/v1/institutions/{HALL}/slots"
    assert error(platform.call("GET", "/v1/institutions/nowhere/slots")) == (
        404, "institution_not_found")
    assert error(platform.call("GET", f"{path}?department={HOSPITAL_DEPARTMENT}")) == (
        404, "department_not_found")
    assert error(platform.call("GET", f"{path}?from=2026-12-10&to=2026-12-01")) == (
        422, "validation_error")
    assert error(platform.call("GET", f"{path}?from=2026-12-01&to=2027-02-01")) == (
        422, "validation_error")
    assert error(platform.call("GET", f"{path}?from=tuesday")) == (422, "validation_error")


@pytest.mark.parametrize("query, field", [
    ("from=9999-12-31&to=9999-12-31", "from"), ("from=0001-01-01", "from"),
    ("to=9999-12-31", "to"), ("from=2026-12-01&to=2100-01-01", "to"),
])
def test_a_day_out_of_the_calendar_is_refused_naming_the_field(platform, query, field):
    answer = platform.call("GET", f"/v1/institutions/{HALL}/slots?{query}")
    assert error(answer) == (422, "validation_error")
    assert answer.json()["error"]["field"] == field


def test_a_citizen_holds_a_place_books_it_and_is_told(platform):
    citizen_id = citizen_at_level_1(platform)
    slot = open_slot(platform)
    before = places_left(platform, slot)
    held = hold(platform, citizen_id, slot)
    assert held.status_code == 201, held.text
    assert held.json()["status"] == "proposed"
    expires = datetime.fromisoformat(held.json()["expires_at"])
    assert timedelta(minutes=4) < expires - datetime.now(CITY) <= timedelta(minutes=5)
    assert places_left(platform, slot) == before - 1
    booked = book(platform, citizen_id, held.json()["hold_id"])
    assert booked.status_code == 201, booked.text
    appointment = booked.json()
    assert (appointment["status"], appointment["slot_id"], appointment["start"]) == (
        "booked", slot["slot_id"], slot["start"])
    assert {"zh-CN": "户口簿", "en": "Household register booklet"} in appointment["documents"]
    assert places_left(platform, slot) == before - 1  # the hold's place, not another
    again = book(platform, citizen_id, held.json()["hold_id"])  # a retry after a lost answer
    assert (again.status_code, again.json()["appointment_id"]) == (
        200, appointment["appointment_id"])
    assert places_left(platform, slot) == before - 1
    listed = platform.call("GET", f"/v1/citizens/{citizen_id}/appointments").json()["items"]
    assert [a["appointment_id"] for a in listed] == [appointment["appointment_id"]]
    told = eventually(lambda: [m for m in platform.inbox(citizen_id)
                               if m["template_id"] == "appointment_booked"])
    assert told[0]["action"] == {"type": "appointment", "id": appointment["appointment_id"]}


def test_a_hold_let_go_gives_its_place_back_and_cannot_be_booked(platform):
    citizen_id = citizen_at_level_1(platform)
    slot = open_slot(platform)
    before = places_left(platform, slot)
    hold_id = hold(platform, citizen_id, slot).json()["hold_id"]
    path = f"/v1/citizens/{citizen_id}/holds/{hold_id}"
    assert platform.call("DELETE", path).status_code == 204
    assert platform.call("DELETE", path).status_code == 204  # twice is fine
    assert places_left(platform, slot) == before
    assert error(book(platform, citizen_id, hold_id)) == (409, "hold_not_active")


def test_a_citizen_cancels_a_visit_its_place_comes_back_and_they_are_told(platform):
    citizen_id = citizen_at_level_1(platform)
    slot = open_slot(platform)
    before = places_left(platform, slot)
    appointment = book(platform, citizen_id,
                       hold(platform, citizen_id, slot).json()["hold_id"]).json()
    path = f"/v1/citizens/{citizen_id}/appointments/{appointment['appointment_id']}"
    cancelled = platform.call("POST", f"{path}/cancel")
    assert cancelled.status_code == 200, cancelled.text
    assert (cancelled.json()["status"], cancelled.json()["ended_because"]) == (
        "cancelled", "cancelled_by_citizen")
    assert places_left(platform, slot) == before
    assert error(platform.call("POST", f"{path}/cancel")) == (409, "not_cancellable")
    assert platform.call("GET", path).json()["status"] == "cancelled"
    assert eventually(lambda: [m for m in platform.inbox(citizen_id)
                        if m["template_id"] == "appointment_cancelled"])


def test_one_place_per_department_per_day_and_nothing_else_is_taken(platform):
    citizen_id = citizen_at_level_1(platform)
    first = open_slot(platform)
    assert hold(platform, citizen_id, first).status_code == 201
    same_day = [s for s in slots(platform, HALL, HALL_DEPARTMENT)
                if s["day"] == first["day"] and s["slot_id"] != first["slot_id"]
                and s["released"] and s["places_left"] > 0]
    assert same_day, "the hall's day has one slot only"
    before = places_left(platform, same_day[0])
    response = hold(platform, citizen_id, same_day[0])
    assert error(response) == (409, "one_per_department_per_day")
    assert first["day"] in response.json()["error"]["message"]
    assert places_left(platform, same_day[0]) == before
    other_day = open_slot(platform, skip_days={first["day"]})
    assert hold(platform, citizen_id, other_day).status_code == 201  # control


def test_another_citizens_hold_cannot_be_booked_or_let_go(platform):
    owner, stranger = citizen_at_level_1(platform), citizen_at_level_1(platform)
    hold_id = hold(platform, owner, open_slot(platform)).json()["hold_id"]
    assert error(book(platform, stranger, hold_id)) == (404, "hold_not_found")
    assert error(platform.call("DELETE", f"/v1/citizens/{stranger}/holds/{hold_id}")) == (
        404, "hold_not_found")
    assert book(platform, owner, hold_id).status_code == 201  # control: still the owner's


def test_an_unknown_slot_or_hold_is_not_found(platform):
    citizen_id = citizen_at_level_1(platform)
    assert error(platform.call("POST", f"/v1/citizens/{citizen_id}/holds",
                               {"slot_id": "no-such-slot"})) == (404, "slot_not_found")
    assert error(book(platform, citizen_id, "no-such-hold")) == (404, "hold_not_found")
    assert error(platform.call("POST", f"/v1/citizens/{citizen_id}/holds",
                               {"slot_id": 7})) == (422, "validation_error")


def test_a_hospital_visit_is_pending_until_its_registration_fee_is_paid(platform):
    partner, citizen_id = citizen_at_level_2(platform)
    slot = open_slot(platform, HOSPITAL, HOSPITAL_DEPARTMENT)
    held = hold(platform, citizen_id, slot, partner)
    assert held.status_code == 201, held.text
    response = book(platform, citizen_id, held.json()["hold_id"], partner)
    assert response.status_code == 201, response.text
    appointment = response.json()
    assert appointment["status"] == "pending"
    fee = appointment["payment"]
    assert (fee["amount_cents"], fee["payment_id"]) == (1000, appointment["payment_id"])
    again = book(platform, citizen_id, held.json()["hold_id"], partner)
    assert again.json()["payment"]["payment_id"] == fee["payment_id"]  # the same order
    paid = platform.http.post(fee["cashier_url"], json={"outcome": "success"}, timeout=10)
    assert paid.status_code == 200, paid.text
    path = f"/v1/citizens/{citizen_id}/appointments/{appointment['appointment_id']}"
    assert eventually(lambda: platform.call("GET", path, partner=partner).json()["status"]
               == "booked", timeout=20)
    assert places_left(platform, slot, HOSPITAL, HOSPITAL_DEPARTMENT) == slot["places_left"] - 1
    assert eventually(lambda: [m for m in platform.inbox(citizen_id, partner)
                        if m["template_id"] == "appointment_booked"])


def test_a_hospital_visit_whose_fee_is_not_paid_gives_its_place_back(platform):
    partner, citizen_id = citizen_at_level_2(platform)
    slot = open_slot(platform, HOSPITAL, HOSPITAL_DEPARTMENT)
    hold_id = hold(platform, citizen_id, slot, partner).json()["hold_id"]
    fee = book(platform, citizen_id, hold_id, partner).json()["payment"]
    declined = platform.http.post(fee["cashier_url"], json={"outcome": "insufficient_funds"},
                                  timeout=10)
    assert declined.status_code == 200, declined.text
    path = f"/v1/citizens/{citizen_id}/appointments/{hold_id}"
    assert eventually(lambda: platform.call("GET", path, partner=partner).json()["status"]
               == "cancelled", timeout=20)
    answer = platform.call("GET", path, partner=partner).json()
    assert answer["ended_because"] == "payment_failed"
    assert places_left(platform, slot, HOSPITAL, HOSPITAL_DEPARTMENT) == slot["places_left"]


@pytest.fixture
def clock_put_back(platform):
    """The sandbox clock, back to the real one after the test moved it."""
    yield
    platform.move_clock(reset=True)


@pytest.fixture
def kiosk(platform, clock_put_back):
    """The service hall's check-in kiosk, a partner of its own."""
    made = json.loads(platform.cli("partner", "create", f"kiosk-{uuid.uuid4().hex[:8]}",
                                   "--kiosk-for", HALL))
    return made["app_id"], made["secret"]


def test_the_halls_kiosk_checks_a_visit_in_with_a_queue_number(platform, kiosk):
    citizen_id = citizen_at_level_1(platform)
    # Not today's: check-in opens two hours before a visit, and today's may be that near.
    slot = open_slot(platform, skip_days=(datetime.now(CITY).date().isoformat(),))
    appointment = book(platform, citizen_id,
                       hold(platform, citizen_id, slot).json()["hold_id"]).json()
    path = f"/v1/citizens/{citizen_id}/appointments/{appointment['appointment_id']}/check-in"
    assert error(platform.call("POST", path, partner=kiosk)) == (409, "too_early_to_check_in")
    platform.move_clock(to=datetime.fromisoformat(slot["start"]) - timedelta(minutes=10))
    assert error(platform.call("POST", path)) == (403, "kiosk_only")  # the citizen's app
    checked = platform.call("POST", path, partner=kiosk)
    assert checked.status_code == 200, checked.text
    assert checked.json()["status"] == "arrived"
    assert re.fullmatch(r"H\d{3}", checked.json()["queue_number"])
    assert error(platform.call("POST", path, partner=kiosk)) == (409, "not_checkable")
    told = eventually(lambda: [m for m in platform.inbox(citizen_id)
                               if m["template_id"] == "appointment_checked_in"])
    assert checked.json()["queue_number"] in told[0]["body"]


def test_another_institutions_kiosk_cannot_check_a_visit_in(platform):
    made = json.loads(platform.cli("partner", "create", f"kiosk-{uuid.uuid4().hex[:8]}",
                                   "--kiosk-for", "hall-haizhu"))
    citizen_id = citizen_at_level_1(platform)
    appointment = book(platform, citizen_id,
                       hold(platform, citizen_id, open_slot(platform)).json()["hold_id"]).json()
    path = f"/v1/citizens/{citizen_id}/appointments/{appointment['appointment_id']}/check-in"
    assert error(platform.call("POST", path, partner=(made["app_id"], made["secret"]))) == (
        404, "appointment_not_found")


def test_a_visit_not_checked_in_becomes_a_noshow_and_the_citizen_is_told(platform,
                                                                          clock_put_back):
    citizen_id = citizen_at_level_1(platform)
    slot = open_slot(platform)
    appointment = book(platform, citizen_id,
                       hold(platform, citizen_id, slot).json()["hold_id"]).json()
    path = f"/v1/citizens/{citizen_id}/appointments/{appointment['appointment_id']}"
    platform.move_clock(to=datetime.fromisoformat(slot["end"]) + timedelta(minutes=31))
    assert eventually(lambda: platform.call("GET", path).json()["status"] == "noshow", timeout=10)
    assert eventually(lambda: [m for m in platform.inbox(citizen_id)
                        if m["template_id"] == "appointment_noshow"])


def test_a_citizen_moves_a_visit_to_another_slot_and_is_told(platform):
    citizen_id = citizen_at_level_1(platform)
    old = open_slot(platform)
    new = next(s for s in slots(platform, HALL, HALL_DEPARTMENT)
               if s["day"] == old["day"] and s["slot_id"] != old["slot_id"]
               and s["released"] and s["places_left"] > 0)
    before = (places_left(platform, old), places_left(platform, new))
    appointment = book(platform, citizen_id,
                       hold(platform, citizen_id, old).json()["hold_id"]).json()
    path = f"/v1/citizens/{citizen_id}/appointments/{appointment['appointment_id']}"
    moved = platform.call("POST", f"{path}/reschedule", {"slot_id": new["slot_id"]})
    assert moved.status_code == 200, moved.text
    assert (moved.json()["slot_id"], moved.json()["start"]) == (new["slot_id"], new["start"])
    assert (places_left(platform, old), places_left(platform, new)) == (
        before[0], before[1] - 1)
    assert eventually(lambda: [m for m in platform.inbox(citizen_id)
                               if m["template_id"] == "appointment_rescheduled"])
    assert error(platform.call("POST", f"{path}/reschedule", {"slot_id": "nowhere"})) == (
        404, "slot_not_found")


def test_a_citizen_waiting_for_a_full_slot_is_offered_the_place_that_frees(platform):
    first, second, waiting = (citizen_at_level_1(platform) for _ in range(3))
    slot = open_slot(platform)
    holds = [hold(platform, c, slot).json()["hold_id"]
             for c in (first, second)[:slot["places_left"]]]
    assert places_left(platform, slot) == 0
    joined = platform.call("POST", f"/v1/citizens/{waiting}/waitlist",
                           {"slot_id": slot["slot_id"]})
    assert joined.status_code == 201, joined.text
    again = platform.call("POST", f"/v1/citizens/{waiting}/waitlist",
                          {"slot_id": slot["slot_id"]})
    assert (again.status_code, again.json()["waitlist_id"]) == (
        200, joined.json()["waitlist_id"])
    assert platform.call("DELETE", f"/v1/citizens/{first}/holds/{holds[0]}").status_code == 204
    offer = eventually(lambda: [m for m in platform.inbox(waiting)
                                if m["template_id"] == "waitlist_offered"])
    assert offer[0]["action"] == {"type": "slot", "id": slot["slot_id"]}
    assert hold(platform, waiting, slot).status_code == 201
    assert platform.call("GET", f"/v1/citizens/{waiting}/waitlist").json()["items"] == []


def test_a_booked_visit_is_reminded_two_hours_before(platform, clock_put_back):
    citizen_id = citizen_at_level_1(platform)
    slot = open_slot(platform)
    book(platform, citizen_id, hold(platform, citizen_id, slot).json()["hold_id"])
    platform.move_clock(to=datetime.fromisoformat(slot["start"]) - timedelta(hours=2))
    reminders = eventually(lambda: [m for m in platform.inbox(citizen_id)
                                    if m["template_id"] == "appointment_reminder"])
    assert reminders, "no reminder came"


def test_a_slot_not_yet_released_or_already_started_cannot_be_held(platform, clock_put_back):
    citizen_id = citizen_at_level_1(platform)
    slot = open_slot(platform)
    before = places_left(platform, slot)
    platform.move_clock(to=datetime.fromisoformat(slot["opens_at"]) - timedelta(minutes=1))
    early = hold(platform, citizen_id, slot)
    assert error(early) == (409, "slot_not_released")
    assert slot["opens_at"] in early.json()["error"]["message"]
    platform.move_clock(to=datetime.fromisoformat(slot["start"]) + timedelta(minutes=1))
    assert error(hold(platform, citizen_id, slot)) == (409, "slot_past")
    platform.move_clock(reset=True)  # a started slot is not listed: read it back at now
    assert places_left(platform, slot) == before


def test_a_hold_not_booked_within_five_minutes_gives_its_place_back(platform, clock_put_back):
    citizen_id = citizen_at_level_1(platform)
    slot = open_slot(platform)
    before = places_left(platform, slot)
    hold_id = hold(platform, citizen_id, slot).json()["hold_id"]
    assert places_left(platform, slot) == before - 1
    platform.move_clock(seconds=301)
    assert eventually(lambda: places_left(platform, slot) == before)
    assert error(book(platform, citizen_id, hold_id)) == (409, "hold_expired")


def metric(platform, service: str, series: str) -> float:
    return platform.counter(service, series)


def test_ops_see_each_hold_and_booking_in_the_metrics(platform):
    held = 'cityhub_appointment_holds_total{outcome="held"}'
    booked = 'cityhub_events_published_total{service="appointments",type="appointment.booked"}'
    before = metric(platform, "appointments", held), metric(platform, "appointments", booked)
    citizen_id = citizen_at_level_1(platform)
    slot = open_slot(platform)
    assert book(platform, citizen_id,
                hold(platform, citizen_id, slot).json()["hold_id"]).status_code == 201
    assert metric(platform, "appointments", held) == before[0] + 1
    assert eventually(lambda: metric(platform, "appointments", booked) == before[1] + 1)
