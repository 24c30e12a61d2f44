"""Institutions and their slots, holds, bookings, the waitlist and check-in.

Routes of GatewayService (gateway/service.py), which holds their dependencies:
each handler checks whose citizen it is, asks one service and answers.
"""

from werkzeug.wrappers import Response

from contracts.errors import Forbidden
from gateway import schemas
from gateway.entrypoint import api


class AppointmentRoutes:
    @api("GET", "/v1/institutions", query=schemas.InstitutionsQuery,
         answers={200: schemas.InstitutionList})
    def institutions(self, request, partner_id, query):
        """Hospitals and service halls that take appointments."""
        return 200, {"items": self.appointments.list_institutions(query.kind)}

    @api("GET", "/v1/institutions/<institution_id>/departments",
         answers={200: schemas.DepartmentList})
    def departments(self, request, partner_id, institution_id):
        """An institution's departments (a hall's services), with fees and documents."""
        return 200, {"items": self.appointments.list_departments(institution_id)}

    @api("GET", "/v1/institutions/<institution_id>/slots", query=schemas.SlotsQuery,
         answers={200: schemas.SlotList})
    def slots(self, request, partner_id, institution_id, query):
        """Slots of city days `from` to `to`, with the places left and when each opens."""
        return 200, {"items": self.appointments.list_slots(
            institution_id, query.department,
            query.from_.isoformat() if query.from_ else None,
            query.to.isoformat() if query.to else None)}

    @api("POST", "/v1/citizens/<citizen_id>/holds", body=schemas.HoldSlot,
         answers={201: schemas.Hold})
    def hold_slot(self, request, partner_id, citizen_id, body):
        """Hold a place of a slot for a few minutes (403 below the institution's level)."""
        self._check_owner(partner_id, citizen_id)
        return 201, self.hold_lines.hold(body.slot_id, lambda turn: self._as_citizen(
            partner_id, citizen_id, lambda token: turn(
                lambda: self.appointments.hold(citizen_id, partner_id, token, body.slot_id,
                                               self._levels("bookings")))))

    @api("DELETE", "/v1/citizens/<citizen_id>/holds/<hold_id>", answers={204: None})
    def let_go_of_hold(self, request, partner_id, citizen_id, hold_id):
        """Give a held place back (letting go twice is fine)."""
        self._check_owner(partner_id, citizen_id)
        self.appointments.let_go(citizen_id, hold_id)
        return Response(status=204)

    @api("POST", "/v1/citizens/<citizen_id>/waitlist", body=schemas.HoldSlot,
         answers={201: schemas.WaitlistEntry, 200: schemas.WaitlistEntry})
    def join_waitlist(self, request, partner_id, citizen_id, body):
        """Wait for a place of a full slot: each place that frees is offered to everyone
        waiting, and the first to hold it gets it (200: already waiting)."""
        joined = self._as_citizen(partner_id, citizen_id,
                                  lambda token: self.appointments.join_waitlist(
                                      citizen_id, token, body.slot_id,
                                      self._levels("bookings")))
        return (201 if joined["joined"] else 200), joined["entry"]

    @api("GET", "/v1/citizens/<citizen_id>/waitlist", answers={200: schemas.WaitlistList})
    def list_waitlist(self, request, partner_id, citizen_id):
        """The slots the citizen waits for."""
        self._check_owner(partner_id, citizen_id)
        return 200, {"items": self.appointments.list_waitlist(citizen_id)}

    @api("DELETE", "/v1/citizens/<citizen_id>/waitlist/<waitlist_id>", answers={204: None})
    def leave_waitlist(self, request, partner_id, citizen_id, waitlist_id):
        """Stop waiting (twice is fine)."""
        self._check_owner(partner_id, citizen_id)
        self.appointments.leave_waitlist(citizen_id, waitlist_id)
        return Response(status=204)

    @api("POST", "/v1/citizens/<citizen_id>/appointments", body=schemas.BookAppointment,
         answers={201: schemas.Appointment, 200: schemas.Appointment})
    def book_appointment(self, request, partner_id, citizen_id, body):
        """Book a held place; where the department charges a registration fee, the answer
        is `pending` with the fee's order (pay at its cashier_url before expires_at).
        The same hold again is the same booking (200)."""
        booked = self._as_citizen(partner_id, citizen_id,
                                  lambda token: self.appointments.book(
                                      citizen_id, body.hold_id, token))
        return (201 if booked["created"] else 200), booked["appointment"]

    @api("POST", "/v1/citizens/<citizen_id>/appointments/<appointment_id>/reschedule",
         body=schemas.HoldSlot, answers={200: schemas.Appointment})
    def reschedule_appointment(self, request, partner_id, citizen_id, appointment_id, body):
        """Move a booked visit to another slot of its department, or change nothing."""
        self._check_owner(partner_id, citizen_id)
        return 200, self.appointments.reschedule(citizen_id, appointment_id, body.slot_id)

    @api("POST", "/v1/citizens/<citizen_id>/appointments/<appointment_id>/check-in",
         answers={200: schemas.Appointment})
    def check_in(self, request, partner_id, citizen_id, appointment_id):
        """The institution's kiosk checks a booked visit in: `arrived`, with a queue number.
        Only a partner registered as that institution's kiosk may call it."""
        institution_id = self.partners.kiosk_of(partner_id)
        if institution_id is None:
            raise Forbidden("only an institution's check-in kiosk checks visits in",
                            field="X-App-Id", code="kiosk_only")
        return 200, self.appointments.check_in(institution_id, citizen_id, appointment_id)

    @api("GET", "/v1/citizens/<citizen_id>/appointments",
         answers={200: schemas.AppointmentList})
    def list_appointments(self, request, partner_id, citizen_id):
        """The citizen's appointments, soonest first."""
        self._check_owner(partner_id, citizen_id)
        return 200, {"items": self.appointments.list_appointments(citizen_id)}

    @api("GET", "/v1/citizens/<citizen_id>/appointments/<appointment_id>",
         answers={200: schemas.Appointment})
    def get_appointment(self, request, partner_id, citizen_id, appointment_id):
        """One appointment, with the documents to bring."""
        self._check_owner(partner_id, citizen_id)
        return 200, self.appointments.get_appointment(citizen_id, appointment_id)

    @api("POST", "/v1/citizens/<citizen_id>/appointments/<appointment_id>/cancel",
         answers={200: schemas.Appointment})
    def cancel_appointment(self, request, partner_id, citizen_id, appointment_id):
        """Cancel before the deadline (hospitals: 18:00 city time the day before)."""
        self._check_owner(partner_id, citizen_id)
        return 200, self.appointments.cancel(citizen_id, appointment_id)
