"""Waiting for a full slot: a citizen joins its waitlist, and every place that frees
there is offered to everyone waiting (use_cases/places.py, through notify); the first
to hold it gets it, by the same rule as any hold."""

import uuid
from datetime import datetime

from contracts.assurance import needed, require
from contracts.errors import Conflict, NotFound
from services.appointments import repository
from services.appointments.domain import booking
from services.appointments.repository import waitlists
from services.appointments.views import waitlist_view


def join(uow, citizen_id: str, level: int, slot_id, now: datetime,
         levels: dict | None = None) -> tuple[dict, bool]:
    """(the entry, newly joined): joining twice is the same entry."""
    with uow.core_transaction() as connection:
        slot = repository.slot(connection, slot_id) if isinstance(slot_id, str) else None
        if slot is None:
            raise NotFound("no such slot", field="slot_id", code="slot_not_found")
        institution = repository.institution(connection, slot.institution_id)
        require(level, needed(levels, institution.kind, institution.required_assurance_level))
        booking.check_holdable(slot.opens_at, slot.start, now)
        known = waitlists.entry_of(connection, slot.id, citizen_id)
        if known is not None and known.status in waitlists.WAITING:
            return waitlist_view(known, slot), False
        if slot.taken < slot.places:
            raise Conflict("this slot has a place left: hold it instead", field="slot_id",
                           code="places_left")
        row = {"id": str(uuid.uuid4()), "slot_id": slot.id, "citizen_id": citizen_id,
               "status": "waiting", "created_at": now, "offered_at": None}
        # Of twin requests, the one whose write went in joined; the rest see its entry.
        if known is not None:  # left, or took a place and let it go: waiting again
            joined = waitlists.wait_again(connection, known.id, now)
        else:
            joined = waitlists.join(connection, row)
        return waitlist_view(waitlists.entry_of(connection, slot.id, citizen_id),
                             slot), joined


def leave(uow, citizen_id: str, entry_id: str) -> None:
    """Stop waiting (leaving twice is fine)."""
    with uow.core_transaction() as connection:
        entry = waitlists.entry(connection, entry_id)
        if entry is None or entry.citizen_id != citizen_id:
            raise NotFound("no such waitlist entry for this citizen", field="waitlist_id",
                           code="waitlist_entry_not_found")
        if entry.status in waitlists.WAITING:
            waitlists.set_status(connection, entry.id, "left")


def entries(uow, citizen_id: str) -> list[dict]:
    with uow.core_read() as connection:
        return [waitlist_view(e, repository.slot(connection, e.slot_id))
                for e in waitlists.of_citizen(connection, citizen_id)]
