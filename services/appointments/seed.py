"""The institutions `cityhub seed` loads: demo reference data, kept apart from the rules."""

from sqlalchemy.orm import Session

from services.appointments.models import Institution

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


def seed(session: Session) -> int:
    """Load the institutions; running it twice changes nothing."""
    for entry in INSTITUTIONS:
        session.merge(Institution(**entry))
    return len(INSTITUTIONS)
