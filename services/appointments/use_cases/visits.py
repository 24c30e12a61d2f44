"""The visit: checked in at the institution's kiosk with a queue number, or missed
(a no-show, which counts against the citizen's hospital booking)."""

from datetime import datetime

from chassis.batches import in_batches
from contracts.errors import NotFound
from contracts.events import AppointmentCheckedIn, AppointmentNoshow
from services.appointments import repository
from services.appointments.domain import booking, visits
from services.appointments.repository import reminders
from services.appointments.use_cases.places import ids
from services.appointments.views import appointment_view


def check_in(uow, institution_id: str, citizen_id: str, appointment_id: str,
             now: datetime) -> dict:
    """Check a booked visit in at `institution_id`'s kiosk: FHIR's `arrived`, with the
    department's next queue number of the day."""
    with uow.core_transaction() as connection:
        found = repository.appointment(connection, appointment_id)
        if found is None or found.citizen_id != citizen_id \
                or found.institution_id != institution_id:
            raise NotFound("no such appointment at this institution",
                           field="appointment_id", code="appointment_not_found")
        visits.check_check_in(found.status, found.start, found.end, now)
        department = repository.department(connection, found.department_id)
        number = visits.queue_number(department.queue_prefix, repository.next_queue_number(
            connection, found.department_id, found.day))
        if not repository.move(connection, found.id, (booking.BOOKED,), booking.ARRIVED, now,
                               queue_number=number):
            raise visits.not_checkable_now()
        reminders.cancel(connection, found.id)
        if found.kind == "hospital":
            repository.drop_hospital_place(connection, found.citizen_id)
        uow.publish(AppointmentCheckedIn(**ids(found), queue_number=number))
        return appointment_view(repository.appointment(connection, found.id), department)


def mark_noshows(uow, now: datetime) -> int:
    """Booked visits not checked in by half an hour after their end become no-shows;
    how many."""
    def missed(found) -> bool:
        with uow.core_transaction() as connection:
            if not repository.move(connection, found.id, (booking.BOOKED,), booking.NOSHOW,
                                   now):
                return False
            if found.kind == "hospital":
                repository.drop_hospital_place(connection, found.citizen_id)
            uow.publish(AppointmentNoshow(**ids(found)))
            return True

    return sum(in_batches(
        uow.core_read,
        lambda connection, size: repository.visits_missed(connection, now - visits.NOSHOW_AFTER,
                                                          size), missed))


def check_not_suspended(connection, citizen_id: str, now: datetime) -> None:
    """Refuse a hospital place to a citizen whose no-shows suspended them."""
    since = now - visits.STRIKE_WINDOW - visits.SUSPENDED_FOR
    until = visits.suspended_until(repository.hospital_noshows(connection, citizen_id, since),
                                   now)
    if until is not None:
        raise visits.booking_suspended(until)
