"""Random interleavings of what can happen to hospital bookings and their registration
fees (Hypothesis, stateful): holds, bookings, payments made, declined and expired,
payment events lost, duplicated and late, holds running out, cancellations and
refunds. After every step: no slot has more taken than places, and its count is its
active appointments; no fee-charging appointment is booked without its payment; every
payment whose success appointments heard of ended in a booked visit or a refund.

Run on a SQLite file (the rules are the use cases'; test_registration_fees.py runs the
saga's steps on PostgreSQL too)."""

import tempfile
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule
from sqlalchemy import func, select

from chassis.db import StandaloneDatabase
from chassis.migrations import upgrade
from contracts.errors import CityHubError
from contracts.time import iso_utc
from services.appointments.domain import booking
from services.appointments.models import Appointment, CitizenLoad, Outbox, Slot
from services.appointments.seed import seed
from services.appointments.use_cases import holding, paying

pytestmark = pytest.mark.integration

START = datetime(2026, 11, 25, 2, 0, tzinfo=UTC)  # Wednesday, 10:00 city time
CITIZENS = ("c-1", "c-2", "c-3")
TEMPLATE = Path(tempfile.mkdtemp(prefix="appointments-hypothesis-")) / "template.db"


def migrated_copy() -> str:
    if not TEMPLATE.exists():
        upgrade("services.appointments", f"sqlite:///{TEMPLATE}")
        database = StandaloneDatabase("appointments", f"sqlite:///{TEMPLATE}", Outbox)
        with database.sessionmaker.begin() as session:
            seed(session, START)
        database.close()
    copy = TEMPLATE.with_name(f"{uuid.uuid4().hex}.db")
    copy.write_bytes(TEMPLATE.read_bytes())
    return f"sqlite:///{copy}"


class Payments:
    """Payments as the saga sees it: an order per key that can be paid, declined or
    run out, each end told as an event (which the machine may lose, repeat or delay)."""

    def __init__(self, machine):
        self.machine = machine
        self.orders: dict[str, dict] = {}  # key -> order
        self.refunded: set[str] = set()

    def create_payment(self, citizen_id, partner_id, assertion, key, body):
        if key not in self.orders:
            self.orders[key] = {"payment_id": f"pay-{len(self.orders) + 1}",
                                "amount_cents": 1000, "cashier_url": "https://cashier/x",
                                "expires_at": iso_utc(self.machine.now + timedelta(minutes=15)),
                                "state": "open"}
        return {"payment": self.orders[key], "replayed": False}

    def refund_in_full(self, payment_id, request_no, reason, requested_by):
        self.refunded.add(payment_id)
        return {"request_no": request_no}


class BookingsUnderInterleavings(RuleBasedStateMachine):
    def __init__(self):
        super().__init__()
        self.database = StandaloneDatabase("appointments", migrated_copy(), Outbox)
        self.uow = self.database.unit_of_work()
        self.now = START
        self.payments = Payments(self)
        self.slot_ids = self._slots()
        self.holds: list[tuple[str, str]] = []  # (citizen, hold id)
        self.told: list[tuple[str, str]] = []  # (payment id, what) sent, to replay
        self.heard_paid: set[str] = set()

    def _slots(self) -> list[str]:
        with self.uow.transaction() as session:
            found = session.scalars(select(Slot).where(
                Slot.department_id.like("hosp-city-first.%"),
                Slot.start > START + timedelta(days=6)).order_by(Slot.start).limit(3)).all()
            for slot, places in zip(found, (1, 1, 2), strict=True):
                slot.places = places
            return [slot.id for slot in found]

    def teardown(self):
        self.database.close()

    @rule(who=st.sampled_from(CITIZENS), pick=st.integers(0, 2))
    def hold(self, who, pick):
        try:
            made = holding.hold(self.uow, who, "p", 2, self.slot_ids[pick], self.now)
            self.holds.append((who, made["hold_id"]))
        except CityHubError:
            pass

    @precondition(lambda self: self.holds)
    @rule(pick=st.integers(0, 99))
    def book(self, pick):
        who, hold_id = self.holds[pick % len(self.holds)]
        try:
            holding.book(self.uow, self.payments, who, hold_id, "token", self.now)
        except CityHubError:
            pass

    @precondition(lambda self: self.payments.orders)
    @rule(pick=st.integers(0, 99), paid=st.booleans(), heard=st.booleans())
    def at_the_cashier(self, pick, paid, heard):
        order = list(self.payments.orders.values())[pick % len(self.payments.orders)]
        if order["state"] not in ("open", "expired"):
            return
        if order["state"] == "expired" and not paid:
            return
        order["state"] = "succeeded" if paid else "failed"  # paid when expired: late
        self._say(order["payment_id"], order["state"], heard)

    @rule(minutes=st.integers(1, 10))
    def time_passes(self, minutes):
        self.now += timedelta(minutes=minutes)
        holding.sweep_holds(self.uow, self.now)
        for order in self.payments.orders.values():
            if order["state"] == "open" and datetime.fromisoformat(order["expires_at"]) \
                    <= self.now:
                order["state"] = "expired"
                self._say(order["payment_id"], "expired", heard=True)
        paying.ask_refunds(self.uow, self.payments, self.now)

    @precondition(lambda self: self.told)
    @rule(pick=st.integers(0, 99))
    def an_event_again(self, pick):
        """A duplicate, or one lost before and delivered now, out of order."""
        self._hear(*self.told[pick % len(self.told)])

    @precondition(lambda self: self.holds)
    @rule(pick=st.integers(0, 99))
    def cancel(self, pick):
        who, appointment_id = self.holds[pick % len(self.holds)]
        try:
            holding.cancel(self.uow, who, appointment_id, self.now)
        except CityHubError:
            pass

    def _say(self, payment_id, what, heard):
        self.told.append((payment_id, what))
        if heard:
            self._hear(payment_id, what)

    def _hear(self, payment_id, what):
        with self.uow.core_transaction() as connection:
            if what == "succeeded":
                paying.paid(self.uow, connection, payment_id, self.now)
                self.heard_paid.add(payment_id)
            else:
                paying.unpaid(self.uow, connection, payment_id, f"payment_{what}", self.now)

    @invariant()
    def no_slot_has_more_taken_than_places_nor_a_place_unaccounted(self):
        with self.uow.read() as session:
            for slot in session.scalars(select(Slot).where(Slot.id.in_(self.slot_ids))):
                active = session.scalar(select(func.count()).select_from(Appointment).where(
                    Appointment.slot_id == slot.id, Appointment.status.in_(booking.ACTIVE)))
                assert slot.taken == active <= slot.places
            for load in session.scalars(select(CitizenLoad)):
                active = session.scalar(select(func.count()).select_from(Appointment).where(
                    Appointment.citizen_id == load.citizen_id, Appointment.kind == "hospital",
                    Appointment.status.in_(booking.ACTIVE)))
                assert load.hospital_active == active

    @invariant()
    def nothing_is_booked_unpaid_and_every_heard_payment_is_a_visit_or_a_refund(self):
        paid = {o["payment_id"] for o in self.payments.orders.values()
                if o["state"] == "succeeded"}
        with self.uow.read() as session:
            for appointment in session.scalars(select(Appointment)):
                if appointment.status == booking.BOOKED:
                    assert appointment.payment_id in paid
                if appointment.payment_id in self.heard_paid:
                    assert (appointment.status == booking.BOOKED
                            or appointment.refund_state is not None), appointment.status


BookingsUnderInterleavings.TestCase.settings = settings(
    max_examples=30, stateful_step_count=30, deadline=None,
    suppress_health_check=[HealthCheck.too_slow])
test_bookings_under_random_interleavings = BookingsUnderInterleavings.TestCase


def test_the_invariants_catch_a_place_taken_twice():
    # Positive control: a defect the machine must notice.
    machine = BookingsUnderInterleavings()
    try:
        machine.hold("c-1", 2)
        with machine.uow.transaction() as session:
            session.get(Slot, machine.slot_ids[2]).taken = 2
        with pytest.raises(AssertionError):
            machine.no_slot_has_more_taken_than_places_nor_a_place_unaccounted()
    finally:
        machine.teardown()


def test_the_invariants_catch_a_visit_booked_without_its_payment():
    machine = BookingsUnderInterleavings()
    try:
        machine.hold("c-1", 0)
        machine.book(0)
        with machine.uow.transaction() as session:
            session.scalars(select(Appointment)).one().status = booking.BOOKED
        with pytest.raises(AssertionError):
            machine.nothing_is_booked_unpaid_and_every_heard_payment_is_a_visit_or_a_refund()
    finally:
        machine.teardown()
