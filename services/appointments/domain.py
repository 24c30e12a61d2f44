"""Appointments' rules, in plain Python."""

from datetime import date, timedelta

from contracts.errors import Conflict, InvalidInput
from contracts.time import iso_utc

KINDS = ("hospital", "service_hall")
PERIODS = ("morning", "afternoon")
# Visits are booked from tomorrow up to two weeks ahead, as city hospitals do.
BOOKING_WINDOW_DAYS = 14
BOOKED = "booked"

# The institutions `cityhub seed` loads. A hospital visit needs a proven real name
# (it opens a medical record); a service hall visit only a confirmed phone, since the
# hall checks the identity card at the door.
INSTITUTIONS = [
    {"id": "hosp-city-first", "kind": "hospital", "name_zh": "市第一人民医院",
     "name_en": "First People's Hospital", "district": "Yuexiu",
     "address_zh": "越秀区德政北路 602 号",
     "required_assurance_level": 2, "places_per_period": 40},
    {"id": "hosp-children", "kind": "hospital", "name_zh": "市妇女儿童医疗中心",
     "name_en": "Women and Children's Medical Center", "district": "Tianhe",
     "address_zh": "天河区金穗路 9 号",
     "required_assurance_level": 2, "places_per_period": 40},
    {"id": "hosp-tcm", "kind": "hospital", "name_zh": "市中医医院",
     "name_en": "Hospital of Traditional Chinese Medicine", "district": "Liwan",
     "address_zh": "荔湾区珠玑路 16 号",
     "required_assurance_level": 2, "places_per_period": 40},
    {"id": "hall-tianhe", "kind": "service_hall", "name_zh": "天河区政务服务中心",
     "name_en": "Tianhe District Government Service Center", "district": "Tianhe",
     "address_zh": "天河区华观路 1号",
     "required_assurance_level": 1, "places_per_period": 20},
    {"id": "hall-haizhu", "kind": "service_hall", "name_zh": "海珠区政务服务中心",
     "name_en": "Haizhu District Government Service Center", "district": "Haizhu",
     "address_zh": "海珠区新港东路 1002 号",
     "required_assurance_level": 1, "places_per_period": 20},
]


def check_kind(kind: str | None) -> None:
    if kind is not None and kind not in KINDS:
        raise InvalidInput(f"kind must be one of {', '.join(KINDS)}", field="kind")


def check_slot(day: date, period: str, today: date) -> None:
    if period not in PERIODS:
        raise InvalidInput(f"period must be one of {', '.join(PERIODS)}", field="period")
    if not today < day <= today + timedelta(days=BOOKING_WINDOW_DAYS):
        raise InvalidInput(f"day must be from tomorrow to {BOOKING_WINDOW_DAYS} days ahead",
                           field="day", code="day_out_of_range")


def check_places(booked: int, places: int) -> None:
    if booked >= places:
        raise Conflict("no places are left that morning or afternoon; try another",
                       field="period", code="fully_booked")


def institution_view(institution) -> dict:
    return {
        "id": institution.id,
        "kind": institution.kind,
        "name": {"zh-CN": institution.name_zh, "en": institution.name_en},
        "district": institution.district,
        "address": institution.address_zh,
        "required_assurance_level": institution.required_assurance_level,
        "places_per_period": institution.places_per_period,
    }


def appointment_view(appointment) -> dict:
    return {
        "appointment_id": appointment.id,
        "institution_id": appointment.institution_id,
        "day": appointment.day.isoformat(),
        "period": appointment.period,
        "status": appointment.status,
        "created_at": iso_utc(appointment.created_at),
    }
