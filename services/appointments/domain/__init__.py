"""Appointments' rules, in plain Python: when a schedule's slots open (schedules.py),
what a hold and an appointment may do and when (booking.py).

The words are FHIR's: an institution's departments have Schedules (a doctor, a
window) that produce Slots (a start, an end and a number of places); a citizen's
Appointment on a slot is `proposed` while it holds a place for a few minutes, then
`booked` (or `pending` while its registration fee is being paid), and ends
`arrived`, `cancelled` or `noshow`.
"""

from contracts.errors import InvalidInput

KINDS = ("hospital", "service_hall")


def check_kind(kind: str | None) -> None:
    if kind is not None and kind not in KINDS:
        raise InvalidInput(f"kind must be one of {', '.join(KINDS)}", field="kind")
