"""Holding and booking places on the real databases, SQLite and PostgreSQL: the
database itself decides who gets the last place, however many ask at once, and a
citizen's limits hold under concurrency too."""

from datetime import UTC, datetime, timedelta

import eventlet
import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError, OperationalError

from contracts.errors import CityHubError
from services.appointments import repository
from services.appointments.models import Appointment, Outbox, Slot
from services.appointments.seed import seed
from services.appointments.use_cases import holding, slots
from tests.fixtures.servers import migrated_database

pytestmark = pytest.mark.integration

# Wednesday 25 November 2026, 10:00 city time: next Wednesday's hospital slots are open.
NOW = datetime(2026, 11, 25, 2, 0, tzinfo=UTC)
HALL_DEPARTMENT = "hall-tianhe.household"


@pytest.fixture(params=["sqlite", "postgresql"])
def uow(request, tmp_path):
    database = migrated_database(request, tmp_path, "appointments", Outbox)
    with database.sessionmaker.begin() as session:
        seed(session)
    unit = database.unit_of_work()
    assert slots.prepare(unit, NOW) > 0
    yield unit
    database.close()


def a_slot(uow, department_id=HALL_DEPARTMENT, places=None, nth=0) -> str:
    """An open slot of the department a week on, with `places` places if given."""
    with uow.read() as session:
        slot = session.scalars(select(Slot).where(
            Slot.department_id == department_id, Slot.start > NOW + timedelta(days=6))
            .order_by(Slot.start).offset(nth).limit(1)).one()
        if places is not None:
            slot.places = places
            session.commit()
        return slot.id


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
        lambda: attempt(lambda: holding.book(uow, "c-1", hold_id, almost)),
        lambda: holding.sweep_holds(uow, NOW + timedelta(minutes=5))]))
    with uow.read() as session:
        status, taken = session.get(Appointment, hold_id).status, session.get(Slot, slot_id).taken
    assert (status, taken) in {("booked", 1), ("cancelled", 0)}
    assert answers[0] == ("ok" if status == "booked" else "hold_not_active")
