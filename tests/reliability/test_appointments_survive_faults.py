"""Appointments under faults: the service SIGKILLed between holds and bookings,
payments down while a paid booking is in flight, payment events delivered twice.
Each counts the places leaked or taken twice and the visits booked twice or not at
all, and asserts every count is 0."""

import json
import signal
import time

import pytest
from sqlalchemy import text

from chassis.broker import Publisher
from contracts.events import events_exchange
from tests.e2e.test_appointments import (
    HOSPITAL,
    HOSPITAL_DEPARTMENT,
    book,
    hold,
    open_slot,
    slots,
)
from tests.e2e.test_real_name import citizen_at_level_1, citizen_at_level_2
from tests.fixtures.waiting import eventually

pytestmark = pytest.mark.e2e

def place_counts(platform, slot_ids) -> list[tuple[int, int]]:
    """(taken, appointments holding or having used a place) of each slot: equal when no
    place leaked or was taken twice. Only a cancelled appointment gave its place back;
    a visit that happened (arrived) or was missed (noshow) used it."""
    with platform.engine("appointments").connect() as connection:
        return [tuple(connection.execute(text(
            "SELECT taken, (SELECT count(*) FROM appointments a WHERE a.slot_id = s.id "
            "AND a.status <> 'cancelled') FROM slots s WHERE s.id = :id"),
            {"id": slot_id}).one()) for slot_id in slot_ids]


def status_of(platform, appointment_id) -> str:
    return platform.scalar("appointments", "SELECT status FROM appointments WHERE id = :id",
                           id=appointment_id)


@pytest.fixture
def clock_put_back(platform):
    yield
    platform.move_clock(reset=True)


def test_killing_appointments_between_holds_and_bookings_leaks_no_place(platform,
                                                                       clock_put_back):
    citizens = [citizen_at_level_1(platform) for _ in range(8)]
    free = [s for s in slots(platform, "hall-tianhe", "hall-tianhe.household")
            if s["released"] and s["places_left"] == s["places"] == 2][-4:]
    held = [(c, hold(platform, c, free[n % len(free)]).json()["hold_id"])
            for n, c in enumerate(citizens)]
    platform.kill("appointments", signal.SIGKILL)
    during = [book(platform, c, h).status_code for c, h in held[:4]]
    assert set(during) <= {502, 503, 504}  # positive control: the service was down
    platform.start("appointments")
    platform.wait_ready()
    after = [book(platform, c, h).status_code for c, h in held[4:]]
    assert after == [201] * 4
    platform.move_clock(seconds=301)  # the unbooked holds run out
    slot_ids = {s["slot_id"] for s in free}
    assert eventually(lambda: all(taken == active
                                  for taken, active in place_counts(platform, slot_ids)))
    statuses = [status_of(platform, h) for _, h in held]
    # A booking sent while the service was down may still be applied when it is back
    # (its request waited in the queue); either way every hold ended, none is stuck.
    leaked = sum(taken - active for taken, active in place_counts(platform, slot_ids))
    stuck = [s for s in statuses if s not in ("booked", "cancelled")]
    lost = 4 - statuses[4:].count("booked")
    assert (leaked, lost, len(stuck)) == (0, 0, 0), statuses


def test_payments_down_while_a_paid_booking_is_in_flight_ends_booked_once(platform):
    partner, citizen_id = citizen_at_level_2(platform)
    slot = open_slot(platform, HOSPITAL, HOSPITAL_DEPARTMENT)
    hold_id = hold(platform, citizen_id, slot, partner).json()["hold_id"]
    order = book(platform, citizen_id, hold_id, partner).json()["payment"]
    platform.provider_behaves(retry_seconds=[1, 2, 3, 5, 8])
    try:
        platform.kill("payments", signal.SIGKILL)
        paid = platform.http.post(order["cashier_url"], json={"outcome": "success"},
                                  timeout=10)
        assert paid.status_code == 200, paid.text
        time.sleep(6)  # the provider's first notifications meet a gateway that times out
        assert status_of(platform, hold_id) == "pending"
        platform.start("payments")
        assert eventually(lambda: status_of(platform, hold_id) == "booked", timeout=60)
    finally:
        platform.provider_behaves()
    taken, active = place_counts(platform, [slot["slot_id"]])[0]
    assert taken == active  # the place is counted once, booked or not


def test_a_payment_event_delivered_again_books_the_visit_once(platform):
    partner, citizen_id = citizen_at_level_2(platform)
    slot = open_slot(platform, HOSPITAL, HOSPITAL_DEPARTMENT)
    hold_id = hold(platform, citizen_id, slot, partner).json()["hold_id"]
    order = book(platform, citizen_id, hold_id, partner).json()["payment"]
    platform.http.post(order["cashier_url"], json={"outcome": "success"}, timeout=10)
    assert eventually(lambda: status_of(platform, hold_id) == "booked", timeout=30)
    body = platform.scalar("payments", "SELECT body FROM outbox WHERE routing_key = "
                           "'payment.succeeded' AND body LIKE :id", id=f"%{order['payment_id']}%")
    publisher = Publisher(platform.env["CITYHUB_AMQP_URI"])
    try:
        for _ in range(3):  # as a broker redelivers, or a relay that lost its confirm
            publisher.publish(body, exchange=events_exchange("payments"),
                              routing_key="payment.succeeded",
                              message_id=json.loads(body)["event_id"])
    finally:
        publisher.close()
    time.sleep(2)
    told = [m for m in platform.inbox(citizen_id, partner)
            if m["template_id"] == "appointment_booked"]
    assert len(told) == 1
    assert status_of(platform, hold_id) == "booked"
    taken, active = place_counts(platform, [slot["slot_id"]])[0]
    assert taken == active
