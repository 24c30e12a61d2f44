"""Holding and booking places on the real databases, SQLite and PostgreSQL: the
database itself decides who gets the last place, however many ask at once, and a
citizen's limits hold under concurrency too."""

import json
from datetime import UTC, datetime, timedelta

import eventlet
import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError, OperationalError

from contracts.errors import CityHubError
from services.appointments import repository
from services.appointments.models import Appointment, Outbox, Slot
from services.appointments.use_cases import holding, slots, waitlist
from tests.fixtures.servers import seeded_appointments

pytestmark = pytest.mark.integration

# Wednesday 25 November 2026, 10:00 city time: next Wednesday's hospital slots are open.
NOW = datetime(2026, 11, 25, 2, 0, tzinfo=UTC)
HALL_DEPARTMENT = "hall-tianhe.household"


@pytest.fixture(params=["sqlite", "postgresql"])
def uow(request, tmp_path):
    yield from seeded_appointments(request, tmp_path, NOW)


def a_slot_row(uow, department_id=HALL_DEPARTMENT, places=None, nth=0) -> Slot:
    """The `nth` open slot of the department a week on, with `places` places if given."""
    with uow.read() as session:
        slot = session.scalars(select(Slot).where(
            Slot.department_id == department_id, Slot.start > NOW + timedelta(days=6))
            .order_by(Slot.start).offset(nth).limit(1)).one()
        if places is not None:
            slot.places = places
            session.commit()
        return slot


def a_slot(uow, department_id=HALL_DEPARTMENT, places=None, nth=0) -> str:
    return a_slot_row(uow, department_id, places, nth).id


def attempt(fn):
    """The answer's error code, or "ok"; SQLite's "database is locked" is retried, as a
    partner retries a 503."""
    while True:
        try:
            fn()
            return "ok"
        except CityHubError as refused:
            return refused.code
        except OperationalError:
            eventlet.sleep(0.01)


def test_the_seed_makes_the_slots_and_preparing_them_again_makes_none_twice(uow):
    with uow.read() as session:
        made = session.scalar(select(func.count()).select_from(Slot))
    assert made > 0
    assert slots.prepare(uow, NOW) == 0
    # Control: days no one made yet (a decade on: clear of any seed by the real clock).
    assert slots.prepare(uow, NOW + timedelta(days=3650)) > 0


def test_two_hundred_holds_at_once_on_a_one_place_slot_give_exactly_one(uow):
    slot_id = a_slot(uow, places=1)
    answers = list(eventlet.GreenPool(50).imap(
        lambda n: attempt(lambda: holding.hold(uow, f"c-{n}", "p", 2, slot_id, NOW)),
        range(200)))
    assert sorted(set(answers)) == ["fully_booked", "ok"]
    assert answers.count("ok") == 1
    with uow.read() as session:
        assert session.get(Slot, slot_id).taken == 1
        assert len(session.scalars(select(Appointment).where(
            Appointment.slot_id == slot_id)).all()) == 1


def test_the_database_refuses_more_taken_than_places_even_if_the_code_forgot(uow):
    slot_id = a_slot(uow, places=1)
    with uow.core_transaction() as connection:
        assert repository.take_place(connection, slot_id)
        assert not repository.take_place(connection, slot_id)  # the UPDATE's condition
    with pytest.raises(IntegrityError):  # and the CHECK behind it
        with uow.transaction() as session:
            session.get(Slot, slot_id).taken = 2


def test_a_citizen_holding_four_hospital_slots_at_once_gets_three(uow):
    departments = ["hosp-city-first.internal", "hosp-city-first.paediatrics",
                   "hosp-city-first.dental", "hosp-children.internal"]
    slot_ids = [a_slot(uow, d) for d in departments]
    answers = list(eventlet.GreenPool(4).imap(
        lambda slot_id: attempt(lambda: holding.hold(uow, "c-1", "p", 2, slot_id, NOW)),
        slot_ids))
    assert sorted(answers) == ["hospital_limit_reached", "ok", "ok", "ok"]


def test_a_citizen_asking_twice_at_once_for_one_department_and_day_gets_one_place(uow):
    first, second = a_slot(uow, nth=0), a_slot(uow, nth=1)
    answers = list(eventlet.GreenPool(2).imap(
        lambda slot_id: attempt(lambda: holding.hold(uow, "c-1", "p", 1, slot_id, NOW)),
        [first, second]))
    assert sorted(answers) == ["ok", "one_per_department_per_day"]


def test_a_hold_that_runs_out_gives_its_place_back_once(uow):
    slot_id = a_slot(uow, places=1)
    holding.hold(uow, "c-1", "p", 2, slot_id, NOW)
    later = NOW + timedelta(minutes=6)
    assert holding.sweep_holds(uow, NOW) == 0  # control: not yet run out
    assert holding.sweep_holds(uow, later) == 1
    assert holding.sweep_holds(uow, later) == 0
    with uow.read() as session:
        assert session.get(Slot, slot_id).taken == 0
    assert attempt(lambda: holding.hold(uow, "c-2", "p", 2, slot_id, later)) == "ok"


def test_booking_racing_the_sweep_either_books_or_gives_the_place_back_never_both(uow):
    slot_id = a_slot(uow, places=1)
    hold_id = holding.hold(uow, "c-1", "p", 2, slot_id, NOW)["hold_id"]
    almost = NOW + timedelta(minutes=4, seconds=59)
    answers = list(eventlet.GreenPool(2).imap(lambda step: step(), [
        lambda: attempt(lambda: holding.book(uow, None, "c-1", hold_id, None, almost)),
        lambda: holding.sweep_holds(uow, NOW + timedelta(minutes=5))]))
    with uow.read() as session:
        status, taken = session.get(Appointment, hold_id).status, session.get(Slot, slot_id).taken
    assert (status, taken) in {("booked", 1), ("cancelled", 0)}
    assert answers[0] == ("ok" if status == "booked" else "hold_expired")


def test_of_ten_twin_bookings_of_a_hold_one_books_it_and_the_rest_get_that_booking(uow):
    hold_id = holding.hold(uow, "c-1", "p", 2, a_slot(uow), NOW)["hold_id"]
    answers = list(eventlet.GreenPool(10).imap(
        lambda _: holding.book(uow, None, "c-1", hold_id, None, NOW), range(10)))
    assert sorted(created for _, created in answers) == [False] * 9 + [True]
    assert {(view["appointment_id"], view["status"]) for view, _ in answers} == {
        (hold_id, "booked")}
    with uow.read() as session:
        assert session.scalar(select(func.count()).select_from(Outbox).where(
            Outbox.routing_key == "appointment.booked")) == 1


def booked(uow, citizen, slot_id, at=NOW) -> str:
    hold_id = holding.hold(uow, citizen, "p", 2, slot_id, at)["hold_id"]
    return holding.book(uow, None, citizen, hold_id, None, at)[0]["appointment_id"]


def test_a_visit_moves_to_a_free_slot_and_its_old_place_comes_back(uow):
    old, new = a_slot(uow, nth=0), a_slot(uow, nth=1)
    appointment_id = booked(uow, "c-1", old)
    moved = holding.reschedule(uow, "c-1", appointment_id, new, NOW)
    assert (moved["slot_id"], moved["status"]) == (new, "booked")
    with uow.read() as session:
        assert (session.get(Slot, old).taken, session.get(Slot, new).taken) == (0, 1)


def test_a_move_to_a_full_slot_is_refused_and_changes_nothing(uow):
    old, full = a_slot(uow, nth=0), a_slot(uow, nth=1, places=1)
    appointment_id = booked(uow, "c-1", old)
    booked(uow, "c-2", full)
    assert attempt(lambda: holding.reschedule(uow, "c-1", appointment_id, full, NOW)) == (
        "fully_booked")
    with uow.read() as session:
        assert session.get(Appointment, appointment_id).slot_id == old
        assert (session.get(Slot, old).taken, session.get(Slot, full).taken) == (1, 1)


def test_a_move_to_another_department_or_after_the_deadline_is_refused(uow):
    appointment_id = booked(uow, "c-1", a_slot(uow, nth=0))
    other = a_slot(uow, "hall-tianhe.entry-exit")
    assert attempt(lambda: holding.reschedule(uow, "c-1", appointment_id, other, NOW)) == (
        "slot_not_found")
    with uow.read() as session:
        start = session.get(Appointment, appointment_id).start
    assert attempt(lambda: holding.reschedule(uow, "c-1", appointment_id, a_slot(uow, nth=1),
                                              start)) == "too_late_to_reschedule"


def offers_in_outbox(uow) -> list[str]:
    with uow.read() as session:
        return [json.loads(row.body)["payload"]["citizen_id"] for row in session.scalars(
            select(Outbox).where(Outbox.routing_key == "waitlist.offered"))]


def test_a_freed_place_is_offered_to_everyone_waiting_and_the_first_to_hold_it_wins(uow):
    slot_id = a_slot(uow, places=1)
    hold_id = holding.hold(uow, "c-1", "p", 2, slot_id, NOW)["hold_id"]
    assert attempt(lambda: waitlist.join(uow, "c-2", 2, slot_id, NOW)) == "ok"
    assert attempt(lambda: waitlist.join(uow, "c-3", 2, slot_id, NOW)) == "ok"
    assert offers_in_outbox(uow) == []  # control: nothing freed yet
    holding.let_go(uow, "c-1", hold_id, NOW)
    assert sorted(offers_in_outbox(uow)) == ["c-2", "c-3"]
    assert attempt(lambda: holding.hold(uow, "c-3", "p", 2, slot_id, NOW)) == "ok"
    assert attempt(lambda: holding.hold(uow, "c-2", "p", 2, slot_id, NOW)) == "fully_booked"
    assert [e["status"] for e in waitlist.entries(uow, "c-2")] == ["offered"]
    assert waitlist.entries(uow, "c-3") == []  # took the place


def test_a_slot_with_a_place_left_is_held_not_waited_for(uow):
    slot_id = a_slot(uow, places=2)
    holding.hold(uow, "c-1", "p", 2, slot_id, NOW)
    assert attempt(lambda: waitlist.join(uow, "c-2", 2, slot_id, NOW)) == "places_left"


def test_a_slot_that_has_started_is_not_listed(uow):
    today = "2026-11-25"  # NOW is 10:00 city time: the morning's first hour has gone
    listed = slots.listing(uow, "hall-tianhe", HALL_DEPARTMENT, today, today, NOW)
    assert listed and all(datetime.fromisoformat(s["start"]) > NOW for s in listed)
    earlier = slots.listing(uow, "hall-tianhe", HALL_DEPARTMENT, today, today,
                            NOW - timedelta(hours=3))
    assert len(earlier) > len(listed)  # control: before 09:00 the whole day is listed
