"""Payments and visits followed as matters from their services' events, on SQLite and
PostgreSQL: each is one matter with a tracking number, whatever order or how often its
events come."""

import itertools
from datetime import UTC, datetime, timedelta

import pytest

from contracts.events import (
    AppointmentBooked,
    AppointmentCheckedIn,
    AppointmentRescheduled,
    PaymentAgencyConfirmed,
    PaymentCreated,
    PaymentSucceeded,
)
from contracts.time import iso_utc
from services.matters.use_cases import applying, following
from tests.fixtures.matters import matters_uow  # noqa: F401  (the `uow` fixture)

pytestmark = pytest.mark.integration

NOW = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)
PAID = {"payment_id": "p-1", "citizen_id": "c-1", "fee_code": "traffic-fine",
        "amount_cents": 20000}
VISIT = {"appointment_id": "a-1", "citizen_id": "c-1", "institution_id": "hall-tianhe",
         "department_id": "hall-tianhe.household", "slot_id": "s-1",
         "start": "2026-11-25T01:30:00.000000Z"}


MINUTES = itertools.count()  # each event told a minute after the one before


def told(uow, *events):
    for event in events:
        with uow.transaction() as session:
            following.follow(uow, session, event, NOW + timedelta(minutes=next(MINUTES)))


def matters(uow, citizen="c-1") -> list[dict]:
    return applying.of_citizen(uow, citizen)


def test_a_payment_is_a_matter_until_its_agency_confirms_it(uow):
    told(uow, PaymentCreated(**PAID), PaymentSucceeded(**PAID))
    [paid] = matters(uow)
    assert (paid["kind"], paid["state"], paid["waiting_for"]) == ("payment", "paid", "agency")
    assert paid["due_at"] == "2026-11-24T16:00:00.000000Z"  # a working day to write it off
    told(uow, PaymentAgencyConfirmed(**PAID))
    [done] = matters(uow)
    assert (done["state"], done["closed_at"] is not None) == ("confirmed", True)
    assert [(s["action"], s["by"], s["to"]) for s in done["timeline"]] == [
        ("order", "citizen", "awaiting_payment"), ("pay", "citizen", "paid"),
        ("confirm", "agency", "confirmed")]
    assert done["timeline"][0]["detail"] == {"amount_cents": 20000}


def test_events_out_of_order_make_one_matter_that_only_moves_on_with_every_step_in_time(uow):
    created, paid, confirmed = (NOW - timedelta(minutes=m) for m in (3, 2, 1))
    for event, at in ((PaymentAgencyConfirmed(**PAID), confirmed),
                      (PaymentCreated(**PAID), created), (PaymentSucceeded(**PAID), paid)):
        with uow.transaction() as session:
            following.follow(uow, session, event, at)
    [done] = matters(uow)
    assert done["state"] == "confirmed"  # the late events moved nothing
    assert [s["action"] for s in done["timeline"]] == ["order", "pay", "confirm"]
    assert done["opened_at"] == iso_utc(created)  # it began with its order


def test_a_visit_is_a_matter_until_it_happens_with_each_move_on_its_timeline(uow):
    moved = {**VISIT, "slot_id": "s-2", "start": "2026-11-26T01:30:00.000000Z"}
    told(uow, AppointmentBooked(**VISIT),
         AppointmentRescheduled(**moved, from_slot_id="s-1", from_start=VISIT["start"]),
         AppointmentCheckedIn(**moved, queue_number="H001"))
    [visit] = matters(uow)
    assert (visit["kind"], visit["state"], visit["service_code"]) == (
        "appointment", "visited", "hall-tianhe.household")
    assert [(s["action"], s["to"]) for s in visit["timeline"]] == [
        ("book", "booked"), ("reschedule", "booked"), ("check_in", "visited")]
    assert visit["timeline"][1]["detail"]["start"] == moved["start"]


def test_two_payments_of_one_fee_at_once_are_two_matters(uow):
    told(uow, PaymentCreated(**PAID), PaymentCreated(**{**PAID, "payment_id": "p-2"}))
    numbers = [m["tracking_number"] for m in matters(uow)]
    assert len(set(numbers)) == 2
    # control: the rule of one open application per service still holds for applications
    applying.apply(uow, "c-1", "acme", 2, "household-registration-certificate", [],
                   "f" * 64, NOW)
    with pytest.raises(Exception) as refused:
        applying.apply(uow, "c-1", "acme", 2, "household-registration-certificate", [],
                       "f" * 64, NOW)
    assert refused.value.code == "application_open"


def test_a_face_check_is_a_matter_until_it_ends_and_one_left_undone_times_out(uow):
    from contracts.events import FaceVerificationEnded, FaceVerificationStarted
    from services.matters.use_cases import watching

    ends = "2026-11-23T02:10:00.000000Z"  # ten minutes after it began
    for event, minute in (
            (FaceVerificationStarted(verification_id="v-1", citizen_id="c-1",
                                     expires_at=ends), 0),
            (FaceVerificationEnded(verification_id="v-1", citizen_id="c-1",
                                   status="passed"), 1),
            (FaceVerificationStarted(verification_id="v-2", citizen_id="c-2",
                                     expires_at=ends), 0)):
        with uow.transaction() as session:
            following.follow(uow, session, event, NOW + timedelta(minutes=minute))
    [passed] = matters(uow)
    assert (passed["kind"], passed["state"], passed["closed_at"] is not None) == (
        "verification", "passed", True)
    [waiting] = matters(uow, "c-2")
    assert (waiting["state"], waiting["due_at"]) == ("pending", ends)
    watching.watch_round(uow, NOW + timedelta(minutes=5))  # control: not yet
    assert matters(uow, "c-2")[0]["state"] == "pending"
    watching.watch_round(uow, NOW + timedelta(minutes=11))
    [timed_out] = matters(uow, "c-2")
    assert (timed_out["state"], timed_out["timeline"][-1]["by"]) == ("timed_out", "hub")


def test_a_citizen_cannot_withdraw_a_payment_followed_as_a_matter(uow):
    told(uow, PaymentCreated(**PAID))
    number = matters(uow)[0]["tracking_number"]
    with pytest.raises(Exception) as refused:
        applying.act(uow, number, "citizen", "withdraw", NOW, citizen_id="c-1")
    assert refused.value.code == "not_an_application"
    assert matters(uow)[0]["state"] == "awaiting_payment"
