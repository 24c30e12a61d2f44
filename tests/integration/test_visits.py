"""Visits on the real databases, SQLite and PostgreSQL: queue numbers unique and
gap-free however many check in at once, missed visits marked once, and three of them
suspending a citizen's hospital booking."""

from datetime import UTC, datetime, timedelta

import eventlet
import pytest
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from contracts.errors import CityHubError
from services.appointments.models import Appointment, Reminder
from services.appointments.use_cases import holding, paying, reminding, visits
from tests.fixtures.servers import seeded_appointments
from tests.integration.test_holding_places import a_slot_row
from tests.integration.test_registration_fees import Payments, told

pytestmark = pytest.mark.integration

NOW = datetime(2026, 11, 25, 2, 0, tzinfo=UTC)  # Wednesday, 10:00 city time
HALL, HALL_DEPARTMENT = "hall-tianhe", "hall-tianhe.household"
HOSPITAL, HOSPITAL_DEPARTMENT = "hosp-city-first", "hosp-city-first.internal"


@pytest.fixture(params=["sqlite", "postgresql"])
def uow(request, tmp_path):
    yield from seeded_appointments(request, tmp_path, NOW)


def slot_of(uow, department, nth=0, places=None):
    slot = a_slot_row(uow, department, places, nth)
    return slot.id, slot.start, slot.end


def booked_hall_visits(uow, count: int, slot_id) -> list[str]:
    made = []
    for n in range(count):
        hold_id = holding.hold(uow, f"c-{n}", "p", 1, slot_id, NOW)["hold_id"]
        made.append(holding.book(uow, None, f"c-{n}", hold_id, None, NOW)[0]["appointment_id"])
    return made


def attempt(fn):
    while True:
        try:
            return fn()
        except CityHubError as refused:
            return refused.code
        except OperationalError:
            eventlet.sleep(0.01)


def test_twenty_check_ins_at_once_get_numbers_one_to_twenty(uow):
    slot_id, start, _ = slot_of(uow, HALL_DEPARTMENT, places=20)
    made = booked_hall_visits(uow, 20, slot_id)
    at = start - timedelta(minutes=10)
    answers = list(eventlet.GreenPool(20).imap(lambda pair: attempt(
        lambda: visits.check_in(uow, HALL, f"c-{pair[0]}", pair[1], at)), enumerate(made)))
    numbers = sorted(a["queue_number"] for a in answers)
    assert numbers == [f"H{n:03d}" for n in range(1, 21)]
    assert {a["status"] for a in answers} == {"arrived"}


def test_a_refused_check_in_takes_no_number(uow):
    slot_id, start, _ = slot_of(uow, HALL_DEPARTMENT)
    first, second = booked_hall_visits(uow, 2, slot_id)
    at = start - timedelta(minutes=10)
    assert attempt(lambda: visits.check_in(uow, HOSPITAL, "c-0", first, at)) == (
        "appointment_not_found")  # another institution's kiosk
    assert attempt(lambda: visits.check_in(uow, HALL, "c-0", first,
                                           start - timedelta(hours=3))) == (
        "too_early_to_check_in")
    assert visits.check_in(uow, HALL, "c-0", first, at)["queue_number"] == "H001"
    assert visits.check_in(uow, HALL, "c-1", second, at)["queue_number"] == "H002"
    assert attempt(lambda: visits.check_in(uow, HALL, "c-0", first, at)) == "not_checkable"


def test_a_visit_not_checked_in_becomes_a_noshow_once_half_an_hour_after_it_ends(uow):
    slot_id, _, end = slot_of(uow, HALL_DEPARTMENT)
    (appointment_id,) = booked_hall_visits(uow, 1, slot_id)
    assert visits.mark_noshows(uow, end + timedelta(minutes=29)) == 0
    assert visits.mark_noshows(uow, end + timedelta(minutes=31)) == 1
    assert visits.mark_noshows(uow, end + timedelta(minutes=32)) == 0
    with uow.read() as session:
        assert session.get(Appointment, appointment_id).status == "noshow"


def test_three_missed_hospital_visits_suspend_hospital_booking(uow):
    payments = Payments()
    ends = []
    for department in ("internal", "paediatrics", "dental"):
        slot_id, _, end = slot_of(uow, f"{HOSPITAL}.{department}")
        hold_id = holding.hold(uow, "c-1", "p", 2, slot_id, NOW)["hold_id"]
        payment_id = holding.book(uow, payments, "c-1", hold_id, "token", NOW)[0]["payment_id"]
        told(uow, paying.paid, payment_id)
        ends.append(end)
    after = max(ends) + timedelta(hours=1)
    assert visits.mark_noshows(uow, after) == 3
    next_slot, _, _ = slot_of(uow, "hosp-children.internal", nth=10)  # the next day
    refused = attempt(lambda: holding.hold(uow, "c-1", "p", 2, next_slot, after))
    assert refused == "booking_suspended"
    assert attempt(lambda: holding.hold(uow, "c-2", "p", 2, next_slot, after))["status"] == (
        "proposed")  # control: another citizen is not suspended
    hall_slot, _, _ = slot_of(uow, HALL_DEPARTMENT, nth=30)
    assert attempt(lambda: holding.hold(uow, "c-1", "p", 2, hall_slot, after))["status"] == (
        "proposed")  # halls are not suspended


def reminders_sent(uow, at) -> int:
    return reminding.send_due(uow, at)


def test_a_booked_visit_is_reminded_the_evening_before_and_two_hours_before_once_each(uow):
    slot_id, start, _ = slot_of(uow, HALL_DEPARTMENT)
    booked_hall_visits(uow, 1, slot_id)
    evening = (start - timedelta(days=1)).replace(hour=12, minute=0)  # 20:00 city time
    assert reminders_sent(uow, evening - timedelta(minutes=1)) == 0
    assert reminders_sent(uow, evening) == 1
    assert reminders_sent(uow, evening) == 0
    assert reminders_sent(uow, start - timedelta(hours=2)) == 1
    assert reminders_sent(uow, start) == 0


def test_a_cancelled_visit_is_never_reminded(uow):
    slot_id, start, _ = slot_of(uow, HALL_DEPARTMENT)
    (appointment_id,) = booked_hall_visits(uow, 1, slot_id)
    holding.cancel(uow, "c-0", appointment_id, NOW)
    assert reminders_sent(uow, start) == 0
    with uow.read() as session:
        statuses = session.scalars(select(Reminder.status).where(
            Reminder.appointment_id == appointment_id)).all()
    assert sorted(statuses) == ["cancelled", "cancelled"]


def test_a_moved_visit_is_reminded_at_its_new_time_only(uow):
    old, old_start, _ = slot_of(uow, HALL_DEPARTMENT, nth=0)
    new, new_start, _ = slot_of(uow, HALL_DEPARTMENT, nth=8)  # later the same day
    (appointment_id,) = booked_hall_visits(uow, 1, old)
    holding.reschedule(uow, "c-0", appointment_id, new, NOW)
    # At the old visit's "two hours before" only the evening reminder is due.
    assert reminders_sent(uow, old_start - timedelta(hours=2)) == 1
    assert reminders_sent(uow, new_start - timedelta(hours=2, seconds=1)) == 0
    assert reminders_sent(uow, new_start - timedelta(hours=2)) == 1
    with uow.read() as session:
        assert len(session.scalars(select(Reminder).where(
            Reminder.appointment_id == appointment_id)).all()) == 2
