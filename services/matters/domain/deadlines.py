"""How a matter's deadline stands, for the SLA watch (use_cases/watching.py).

A deadline is `near` from the moment it falls by the end of the next working day (the
one it waits for has a working day or less left), and `overdue` once it has passed.
The agency is told of each once; a citizen who lets a send-back's deadline pass has
let the application lapse, as the workflow's `lapse` action (by the hub) says.
"""

from datetime import datetime

from services.matters.domain.working_days import Calendar

ON_TIME, NEAR, OVERDUE = "on_time", "near", "overdue"
STANDINGS = (ON_TIME, NEAR, OVERDUE)


def standing(calendar: Calendar, due_at: datetime, now: datetime) -> str:
    if now >= due_at:
        return OVERDUE
    if calendar.deadline(now, 1) >= due_at:
        return NEAR
    return ON_TIME
