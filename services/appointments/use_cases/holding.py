"""Holding a place, booking it, letting it go and cancelling: each one transaction in
which the database decides who gets a place (repository.py), with its event in the
outbox of the same transaction."""

import uuid
from datetime import datetime
from types import SimpleNamespace

from sqlalchemy.exc import IntegrityError

from contracts.assurance import require
from contracts.errors import NotFound, ServiceUnavailable
from contracts.events import AppointmentBooked, AppointmentCancelled, AppointmentHeld
from contracts.time import iso_utc
from services.appointments import repository
from services.appointments.domain import booking
from services.appointments.views import appointment_view, hold_view

BATCH = 100


def hold(uow, citizen_id: str, partner_id: str, level: int, slot_id, now: datetime) -> dict:
    """Hold a place of the slot for booking.HOLD_FOR, if the rules allow it."""
    if not isinstance(slot_id, str) or not slot_id:
        raise NotFound("no such slot", field="slot_id", code="slot_not_found")
    try:
        with uow.core_transaction() as connection:
            slot = repository.slot(connection, slot_id)
            if slot is None:
                raise NotFound("no such slot", field="slot_id", code="slot_not_found")
            institution = repository.institution(connection, slot.institution_id)
            require(level, institution.required_assurance_level)
            booking.check_holdable(slot.opens_at, slot.start, now)
            if repository.active_on_day(connection, citizen_id, slot.department_id, slot.day):
                raise booking.one_per_department_per_day(slot.day)
            if not repository.take_place(connection, slot.id):
                raise booking.fully_booked()
            hospital = institution.kind == "hospital"
            if hospital and not repository.add_hospital_place(connection, citizen_id):
                raise booking.too_many_at_hospitals()
            row = {"id": str(uuid.uuid4()), "citizen_id": citizen_id, "partner_id": partner_id,
                   "slot_id": slot.id, "department_id": slot.department_id,
                   "institution_id": slot.institution_id, "kind": institution.kind,
                   "day": slot.day, "start": slot.start, "end": slot.end,
                   "status": booking.PROPOSED, "hold_expires_at": now + booking.HOLD_FOR,
                   "payment_id": None, "queue_number": None, "ended_because": None,
                   "created_at": now, "updated_at": now}
            repository.add_appointment(connection, row)
            uow.publish(AppointmentHeld(**_ids(row)))
    except IntegrityError:
        # The same citizen's twin request took the department's day first.
        raise booking.one_per_department_per_day(slot.day) from None
    return hold_view(SimpleNamespace(**row))


def book(uow, citizen_id: str, hold_id, now: datetime) -> dict:
    """Book a held place."""
    with uow.core_transaction() as connection:
        held = _own(connection, citizen_id, hold_id, "hold_id", "hold_not_found")
        booking.check_hold(held.status, held.hold_expires_at, now)
        department = repository.department(connection, held.department_id)
        if department.fee_code is not None:
            # Paying the registration fee while the place is held is the payments
            # saga of issue 11, not built yet: refuse clearly rather than book unpaid.
            raise ServiceUnavailable("booking a department that charges a registration fee "
                                     "is not available yet", field="hold_id",
                                     code="registration_fee_unavailable")
        if not repository.move(connection, held.id, (booking.PROPOSED,), booking.BOOKED, now,
                               hold_expires_at=None):
            booking.check_hold(repository.appointment(connection, held.id).status, None, now)
        uow.publish(AppointmentBooked(**_ids(held)))
        return appointment_view(repository.appointment(connection, held.id), department)


def let_go(uow, citizen_id: str, hold_id: str, now: datetime) -> None:
    """The citizen gives a held place back before booking it (letting go twice is fine)."""
    with uow.core_transaction() as connection:
        held = _own(connection, citizen_id, hold_id, "hold_id", "hold_not_found")
        if held.status == booking.PROPOSED:
            _end(uow, connection, held, (booking.PROPOSED,), "let_go", now)


def cancel(uow, citizen_id: str, appointment_id: str, now: datetime) -> dict:
    with uow.core_transaction() as connection:
        found = _own(connection, citizen_id, appointment_id, "appointment_id",
                     "appointment_not_found")
        booking.check_cancellable(found.kind, found.status, found.start, now)
        _end(uow, connection, found, (booking.PENDING, booking.BOOKED),
             "cancelled_by_citizen", now)
        return appointment_view(repository.appointment(connection, found.id))


def sweep_holds(uow, now: datetime) -> int:
    """Give back the places of holds that ran out; how many."""
    ended = 0
    while True:
        with uow.core_read() as connection:
            due = repository.holds_run_out(connection, now, BATCH)
        for appointment_id in due:
            with uow.core_transaction() as connection:
                found = repository.appointment(connection, appointment_id)
                ended += _end(uow, connection, found, (booking.PROPOSED,), "hold_expired", now)
        if len(due) < BATCH:
            return ended


def appointments_of(uow, citizen_id: str) -> list[dict]:
    with uow.core_read() as connection:
        return [appointment_view(a) for a in repository.appointments_of(connection, citizen_id)]


def appointment_of(uow, citizen_id: str, appointment_id: str) -> dict:
    with uow.core_read() as connection:
        found = _own(connection, citizen_id, appointment_id, "appointment_id",
                     "appointment_not_found")
        return appointment_view(found, repository.department(connection, found.department_id))


def _own(connection, citizen_id: str, appointment_id, field: str, code: str):
    """The citizen's own appointment or hold; another citizen's is not found."""
    found = (repository.appointment(connection, appointment_id)
             if isinstance(appointment_id, str) else None)
    if found is None or found.citizen_id != citizen_id:
        raise NotFound(f"no such {field.removesuffix('_id')} for this citizen", field=field,
                       code=code)
    return found


def _end(uow, connection, found, from_states, because: str, now: datetime) -> bool:
    """End an appointment or hold that takes a place, and give the place back; False if
    it had already moved on (whoever moved it gave the place back)."""
    if not repository.move(connection, found.id, from_states, booking.CANCELLED, now,
                           ended_because=because, hold_expires_at=None):
        return False
    repository.give_place_back(connection, found.slot_id)
    if found.kind == "hospital":
        repository.drop_hospital_place(connection, found.citizen_id)
    if found.status != booking.PROPOSED:
        uow.publish(AppointmentCancelled(**_ids(found), reason=because))
    return True


def _ids(appointment) -> dict:
    row = appointment if isinstance(appointment, dict) else appointment._mapping
    return {"appointment_id": row["id"], "citizen_id": row["citizen_id"],
            "institution_id": row["institution_id"], "department_id": row["department_id"],
            "slot_id": row["slot_id"], "start": iso_utc(row["start"])}
