"""Appointments' entrypoints: institutions, their departments and slots; holds,
bookings and cancellations; the timers that give back run-out holds and make the
slots of days coming near their release. Rules in domain/, steps in use_cases/,
queries in repository.py."""

from datetime import timedelta

from chassis.assertions import AssertionVerifier
from chassis.db import Database
from chassis.events import reliable_handler
from chassis.metrics import Instrumentation
from chassis.rpc import ServiceRpc, rpc
from chassis.settings import FromSettings
from chassis.timers import every
from chassis.timestamps import Clock
from contracts.events import PaymentExpired, PaymentFailed, PaymentSucceeded, open_envelope
from services.appointments import repository
from services.appointments.domain import check_kind
from services.appointments.models import Inbox, Outbox
from services.appointments.use_cases import (
    holding,
    paying,
    reminding,
    slots,
    visits,
    waitlist,
)
from services.appointments.views import institution_view


class AppointmentsService:
    name = "appointments"

    db = Database(Outbox, Inbox)
    payments = ServiceRpc("payments")
    assertions = AssertionVerifier()
    instrumentation = Instrumentation()
    clock = Clock()
    work_lease = FromSettings(lambda s: timedelta(seconds=s.work_lease_seconds))

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
    def hold(self, citizen_id, partner_id, assertion, slot_id, levels=None):
        """`levels`: the catalogue's, by kind of institution (contracts/assurance.py)."""
        level = self.assertions.level_of(assertion, citizen_id, audience=self.name)
        return holding.hold(self.db, citizen_id, partner_id, level, slot_id, self.clock(),
                            levels)

    @rpc
    def let_go(self, citizen_id, hold_id):
        holding.let_go(self.db, citizen_id, hold_id, self.clock())

    @rpc
    def book(self, citizen_id, hold_id, fee_assertion=None):
        """Book a held place; `fee_assertion` (the citizen's, for payments) orders the
        department's registration fee where it has one: {"appointment": ...,
        "created": bool} (False: booked already, by this request's twin or before)."""
        appointment, created = holding.book(self.db, self.payments, citizen_id, hold_id,
                                            fee_assertion, self.clock())
        return {"appointment": appointment, "created": created}

    @rpc
    def cancel(self, citizen_id, appointment_id):
        return holding.cancel(self.db, citizen_id, appointment_id, self.clock())

    @rpc
    def join_waitlist(self, citizen_id, assertion, slot_id, levels=None):
        level = self.assertions.level_of(assertion, citizen_id, audience=self.name)
        entry, joined = waitlist.join(self.db, citizen_id, level, slot_id, self.clock(),
                                      levels)
        return {"entry": entry, "joined": joined}

    @rpc
    def leave_waitlist(self, citizen_id, waitlist_id):
        waitlist.leave(self.db, citizen_id, waitlist_id)

    @rpc
    def list_waitlist(self, citizen_id):
        return waitlist.entries(self.db, citizen_id)

    @rpc
    def reschedule(self, citizen_id, appointment_id, slot_id):
        return holding.reschedule(self.db, citizen_id, appointment_id, slot_id, self.clock())

    @rpc
    def check_in(self, institution_id, citizen_id, appointment_id):
        """The institution's kiosk checks a booked visit in: a queue number."""
        return visits.check_in(self.db, institution_id, citizen_id, appointment_id,
                               self.clock())

    @rpc
    def list_appointments(self, citizen_id):
        return holding.appointments_of(self.db, citizen_id)

    @rpc
    def overview(self, citizen_id):
        """The citizen's overview of visits: those still to come."""
        return {"upcoming": holding.upcoming(self.db, citizen_id, self.clock())}

    @rpc
    def get_appointment(self, citizen_id, appointment_id):
        return holding.appointment_of(self.db, citizen_id, appointment_id)

    @reliable_handler(PaymentSucceeded)
    def on_payment_succeeded(self, body):
        self._apply(body, PaymentSucceeded, lambda connection, event: paying.paid(
            self.db, connection, event.payment_id, self.clock()))

    @reliable_handler(PaymentFailed)
    def on_payment_failed(self, body):
        self._apply(body, PaymentFailed, lambda connection, event: paying.unpaid(
            self.db, connection, event.payment_id, "payment_failed", self.clock()))

    @reliable_handler(PaymentExpired)
    def on_payment_expired(self, body):
        self._apply(body, PaymentExpired, lambda connection, event: paying.unpaid(
            self.db, connection, event.payment_id, "payment_expired", self.clock()))

    def _apply(self, body, event_type, step):
        """A payment event applied once (the inbox), in one transaction with its effects."""
        envelope, event = open_envelope(body, event_type)
        with self.db.core_transaction() as connection:
            if self.db.claim(connection, envelope.event_id):
                step(connection, event)

    @every("payment_janitor_poll_seconds")
    def ask_refunds(self):
        """Ask payments to give back the registration fees of cancelled visits."""
        paying.ask_refunds(self.db, self.payments, self.clock(), self.work_lease)

    @every("hold_sweep_seconds")
    def sweep(self):
        """Give back the places of holds that ran out; mark the visits missed; send the
        reminders due."""
        now = self.clock()
        holding.sweep_holds(self.db, now)
        visits.mark_noshows(self.db, now)
        reminding.send_due(self.db, now)

    @every("slot_prepare_seconds", eager=True)
    def prepare_slots(self):
        """Make the slots of the days coming near their release (at start, then
        every slot_prepare_seconds)."""
        slots.prepare(self.db, self.clock())
