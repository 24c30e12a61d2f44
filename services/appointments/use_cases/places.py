"""Taking and giving back places, shared by holding and by the registration-fee saga:
every end of an appointment that held a place moves it first and gives the place back
only if that moved it."""

from datetime import datetime

from contracts.events import AppointmentCancelled, WaitlistOffered
from contracts.time import iso_utc
from services.appointments import repository
from services.appointments.domain import booking
from services.appointments.repository import reminders, waitlists


def take_again(connection, found) -> bool:
    """Take the place of an appointment that ended, if it is free and the citizen's
    limits allow it (a payment that came after its hold ran out)."""
    if repository.active_on_day(connection, found.citizen_id, found.department_id, found.day):
        return False
    if not repository.take_place(connection, found.slot_id):
        return False
    if found.kind == "hospital" and not repository.add_hospital_place(connection,
                                                                      found.citizen_id):
        repository.give_place_back(connection, found.slot_id)
        return False
    return True


def end(uow, connection, found, from_states, because: str, now: datetime) -> bool:
    """End an appointment or hold that takes a place, and give the place back; False if
    it had already moved on (whoever moved it gave the place back)."""
    if not repository.move(connection, found.id, from_states, booking.CANCELLED, now,
                           ended_because=because, hold_expires_at=None):
        return False
    repository.give_place_back(connection, found.slot_id)
    offer_to_waitlist(uow, connection, found, now)
    reminders.cancel(connection, found.id)
    if found.kind == "hospital":
        repository.drop_hospital_place(connection, found.citizen_id)
    if found.status != booking.PROPOSED:
        uow.publish(AppointmentCancelled(**ids(found), reason=because))
    return True


def offer_to_waitlist(uow, connection, freed, now: datetime) -> int:
    """A place of `freed`'s slot came back: offer it to everyone waiting for it (the
    first of them to hold it gets it); how many were told."""
    if freed.start <= now:
        return 0
    waiting = waitlists.waiting_for(connection, freed.slot_id)
    for entry in waiting:
        waitlists.set_status(connection, entry.id, "offered", offered_at=now)
        uow.publish(WaitlistOffered(waitlist_id=entry.id, citizen_id=entry.citizen_id,
                                    institution_id=freed.institution_id,
                                    department_id=freed.department_id,
                                    slot_id=freed.slot_id, start=iso_utc(freed.start)))
    return len(waiting)


def ids(appointment) -> dict:
    """An appointment's event fields, from a row just read or one just written."""
    row = appointment if isinstance(appointment, dict) else appointment._mapping
    return {"appointment_id": row["id"], "citizen_id": row["citizen_id"],
            "institution_id": row["institution_id"], "department_id": row["department_id"],
            "slot_id": row["slot_id"], "start": iso_utc(row["start"])}
