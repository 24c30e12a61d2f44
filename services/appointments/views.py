"""What appointments' answers look like: days in city time, moments in UTC."""

from contracts.time import iso_utc


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
