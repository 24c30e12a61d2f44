"""Appointments' rules, in plain Python."""

from contracts.errors import InvalidInput

KINDS = ("hospital", "service_hall")

# The institutions `cityhub seed` loads.
INSTITUTIONS = [
    {"id": "hosp-city-first", "kind": "hospital", "name_zh": "市第一人民医院",
     "name_en": "First People's Hospital", "district": "Yuexiu",
     "address_zh": "越秀区德政北路 602 号"},
    {"id": "hosp-children", "kind": "hospital", "name_zh": "市妇女儿童医疗中心",
     "name_en": "Women and Children's Medical Center", "district": "Tianhe",
     "address_zh": "天河区金穗路 9 号"},
    {"id": "hosp-tcm", "kind": "hospital", "name_zh": "市中医医院",
     "name_en": "Hospital of Traditional Chinese Medicine", "district": "Liwan",
     "address_zh": "荔湾区珠玑路 16 号"},
    {"id": "hall-tianhe", "kind": "service_hall", "name_zh": "天河区政务服务中心",
     "name_en": "Tianhe District Government Service Center", "district": "Tianhe",
     "address_zh": "天河区华观路 1号"},
    {"id": "hall-haizhu", "kind": "service_hall", "name_zh": "海珠区政务服务中心",
     "name_en": "Haizhu District Government Service Center", "district": "Haizhu",
     "address_zh": "海珠区新港东路 1002 号"},
]


def check_kind(kind: str | None) -> None:
    if kind is not None and kind not in KINDS:
        raise InvalidInput(f"kind must be one of {', '.join(KINDS)}", field="kind")


def institution_view(institution) -> dict:
    return {
        "id": institution.id,
        "kind": institution.kind,
        "name": {"zh-CN": institution.name_zh, "en": institution.name_en},
        "district": institution.district,
        "address": institution.address_zh,
    }
