"""Appointments' use cases: slots made from schedules and listed (slots.py), places
held, booked, let go and cancelled (holding.py)."""
