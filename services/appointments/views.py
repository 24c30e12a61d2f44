"""What appointments' answers look like: moments in UTC, days as the city's days, and
FHIR's words for a slot's and an appointment's status."""

from contracts.time import iso_utc


def _moment(value):
    return iso_utc(value) if value is not None else None


def institution_view(institution) -> dict:
    return {
        "id": institution.id,
        "kind": institution.kind,
        "name": {"zh-CN": institution.name_zh, "en": institution.name_en},
        "district": institution.district,
        "address": institution.address_zh,
        "required_assurance_level": institution.required_assurance_level,
    }


def department_view(department) -> dict:
    return {
        "id": department.id,
        "institution_id": department.institution_id,
        "name": {"zh-CN": department.name_zh, "en": department.name_en},
        "fee_code": department.fee_code,
        "documents": list(department.documents or []),
    }


def slot_view(slot, now) -> dict:
    left = slot.places - slot.taken
    return {
        "slot_id": slot.id,
        "department_id": slot.department_id,
        "schedule": {"id": slot.schedule_id,
                     "name": {"zh-CN": slot.name_zh, "en": slot.name_en}},
        "day": slot.day.isoformat(),
        "start": iso_utc(slot.start),
        "end": iso_utc(slot.end),
        # FHIR's Slot.status: free while a place is left.
        "status": "free" if left > 0 else "busy",
        "places": slot.places,
        "places_left": left,
        "opens_at": iso_utc(slot.opens_at),
        "released": now >= slot.opens_at,
    }


def hold_view(appointment) -> dict:
    return {
        "hold_id": appointment.id,
        "slot_id": appointment.slot_id,
        "status": appointment.status,
        "expires_at": _moment(appointment.hold_expires_at),
    }


def appointment_view(appointment, department=None) -> dict:
    view = {
        "appointment_id": appointment.id,
        "institution_id": appointment.institution_id,
        "department_id": appointment.department_id,
        "slot_id": appointment.slot_id,
        "day": appointment.day.isoformat(),
        "start": iso_utc(appointment.start),
        "end": iso_utc(appointment.end),
        "status": appointment.status,
        "payment_id": appointment.payment_id,
        "queue_number": appointment.queue_number,
        "ended_because": appointment.ended_because,
        "created_at": iso_utc(appointment.created_at),
    }
    if department is not None:
        view["documents"] = list(department.documents or [])
    return view


def waitlist_view(entry, slot) -> dict:
    return {
        "waitlist_id": entry.id,
        "slot_id": entry.slot_id,
        "start": iso_utc(slot.start),
        "status": entry.status,
        "joined_at": iso_utc(entry.created_at),
        "offered_at": _moment(entry.offered_at),
    }
