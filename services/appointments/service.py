"""Appointments' entrypoints: institutions, their departments and slots; holds,
bookings and cancellations; the timers that give back run-out holds and make the
slots of days coming near their release. Rules in domain/, steps in use_cases/,
queries in repository.py."""

from chassis.assertions import AssertionVerifier
from chassis.db import Database
from chassis.metrics import Instrumentation
from chassis.rpc import rpc
from chassis.timers import every
from chassis.timestamps import Clock
from services.appointments import repository
from services.appointments.domain import check_kind
from services.appointments.models import Outbox
from services.appointments.use_cases import holding, slots
from services.appointments.views import institution_view


class AppointmentsService:
    name = "appointments"

    db = Database(Outbox)
    assertions = AssertionVerifier()
    instrumentation = Instrumentation()
    clock = Clock()

    @rpc
    def ping(self):
        return "pong"

    @rpc
    def list_institutions(self, kind=None):
        check_kind(kind)
        with self.db.read() as session:
            return [institution_view(i) for i in repository.institutions(session, kind)]

    @rpc
    def list_departments(self, institution_id):
        return slots.departments(self.db, institution_id)

    @rpc
    def list_slots(self, institution_id, department_id=None, first=None, last=None):
        return slots.listing(self.db, institution_id, department_id, first, last, self.clock())

    @rpc
    def hold(self, citizen_id, partner_id, assertion, slot_id):
        level = self.assertions.level_of(assertion, citizen_id, audience=self.name)
        return holding.hold(self.db, citizen_id, partner_id, level, slot_id, self.clock())

    @rpc
    def let_go(self, citizen_id, hold_id):
        holding.let_go(self.db, citizen_id, hold_id, self.clock())

    @rpc
    def book(self, citizen_id, hold_id):
        return holding.book(self.db, citizen_id, hold_id, self.clock())

    @rpc
    def cancel(self, citizen_id, appointment_id):
        return holding.cancel(self.db, citizen_id, appointment_id, self.clock())

    @rpc
    def list_appointments(self, citizen_id):
        return holding.appointments_of(self.db, citizen_id)

    @rpc
    def get_appointment(self, citizen_id, appointment_id):
        return holding.appointment_of(self.db, citizen_id, appointment_id)

    @every("hold_sweep_seconds")
    def sweep_holds(self):
        """Give back the places of holds that ran out."""
        holding.sweep_holds(self.db, self.clock())

    @every("slot_prepare_seconds", eager=True)
    def prepare_slots(self):
        """Make the slots of the days coming near their release (at start, then
        every slot_prepare_seconds)."""
        slots.prepare(self.db, self.clock())
