import uuid
from datetime import UTC, date, datetime

from sqlalchemy.exc import IntegrityError

from chassis.assertions import AssertionVerifier
from chassis.db import Database
from chassis.metrics import Instrumentation
from chassis.rpc import rpc
from contracts.assurance import require
from contracts.errors import Conflict, InvalidInput, NotFound
from contracts.time import city_day
from services.appointments import repository
from services.appointments.domain import BOOKED, check_kind, check_places, check_slot
from services.appointments.models import Appointment
from services.appointments.views import appointment_view, institution_view

# Days are the city's days, whatever the server's clock zone.


class AppointmentsService:
    name = "appointments"

    db = Database()  # publishes nothing yet: no outbox relay
    assertions = AssertionVerifier()
    instrumentation = Instrumentation()

    @rpc
    def ping(self):
        return "pong"

    @rpc
    def list_institutions(self, kind=None):
        check_kind(kind)
        with self.db.read() as session:
            return [institution_view(i) for i in repository.institutions(session, kind)]

    @rpc
    def book(self, citizen_id, assertion, institution_id, day, period):
        """Book a morning or afternoon visit, if the citizen's asserted level allows it."""
        level = self.assertions.level_of(assertion, citizen_id, audience=self.name)
        visit_day = parse_day(day)
        check_slot(visit_day, period, today=city_day(datetime.now(UTC)))
        try:
            with self.db.transaction() as session:
                institution = repository.institution_for_booking(session, institution_id)
                if institution is None:
                    raise NotFound("no such institution", field="institution_id",
                                   code="institution_not_found")
                require(level, institution.required_assurance_level)
                check_places(repository.booked(session, institution.id, visit_day, period),
                             institution.places_per_period)
                appointment = Appointment(id=str(uuid.uuid4()), citizen_id=citizen_id,
                                          institution_id=institution.id, day=visit_day,
                                          period=period, status=BOOKED)
                session.add(appointment)
                session.flush()
                view = appointment_view(appointment)
        except IntegrityError:
            raise Conflict("the citizen already has a visit there that day",
                           field="day", code="already_booked") from None
        return view

    @rpc
    def list_appointments(self, citizen_id):
        with self.db.read() as session:
            return [appointment_view(a)
                    for a in repository.appointments_of(session, citizen_id)]


def parse_day(day) -> date:
    try:
        return date.fromisoformat(day)
    except (TypeError, ValueError):
        raise InvalidInput("day must be a date, YYYY-MM-DD", field="day") from None
