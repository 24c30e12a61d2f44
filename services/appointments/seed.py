"""The institutions `cityhub seed` loads: demo reference data, kept apart from the rules."""

from datetime import datetime

from sqlalchemy.orm import Session

from chassis.timestamps import utcnow
from services.appointments.models import Department, Institution, Schedule
from services.appointments.use_cases import slots

# The institutions `cityhub seed` loads. A hospital visit needs a proven real name
# (it opens a medical record); a service hall visit only a confirmed phone, since the
# hall checks the identity card at the door.
INSTITUTIONS = [
    {"id": "hosp-city-first", "kind": "hospital", "name_zh": "市第一人民医院",
     "name_en": "First People's Hospital", "district": "Yuexiu",
     "address_zh": "越秀区德政北路 602 号",
     "required_assurance_level": 2},
    {"id": "hosp-children", "kind": "hospital", "name_zh": "市妇女儿童医疗中心",
     "name_en": "Women and Children's Medical Center", "district": "Tianhe",
     "address_zh": "天河区金穗路 9 号",
     "required_assurance_level": 2},
    {"id": "hosp-tcm", "kind": "hospital", "name_zh": "市中医医院",
     "name_en": "Hospital of Traditional Chinese Medicine", "district": "Liwan",
     "address_zh": "荔湾区珠玑路 16 号",
     "required_assurance_level": 2},
    {"id": "hall-tianhe", "kind": "service_hall", "name_zh": "天河区政务服务中心",
     "name_en": "Tianhe District Government Service Center", "district": "Tianhe",
     "address_zh": "天河区华观路 1号",
     "required_assurance_level": 1},
    {"id": "hall-haizhu", "kind": "service_hall", "name_zh": "海珠区政务服务中心",
     "name_en": "Haizhu District Government Service Center", "district": "Haizhu",
     "address_zh": "海珠区新港东路 1002 号",
     "required_assurance_level": 1},
]


# Hospitals charge a registration fee (payments' `hospital-registration`) and open a
# day's slots seven days ahead at 07:00, as Guangzhou's hospitals do; service halls
# are free and open two weeks ahead at 09:00.
WEEKDAYS, EVERY_DAY = [0, 1, 2, 3, 4], [0, 1, 2, 3, 4, 5, 6]
CLINIC = {"weekdays": WEEKDAYS, "sessions": [["08:00", "12:00"], ["14:00", "17:00"]],
          "slot_minutes": 30, "places": 4}
WINDOW = {"weekdays": WEEKDAYS, "sessions": [["09:00", "12:00"], ["13:30", "17:00"]],
          "slot_minutes": 15, "places": 2}
HOSPITAL_DEPARTMENTS = [
    ("internal", "内科", "Internal Medicine", "A"),
    ("paediatrics", "儿科", "Paediatrics", "B"),
    ("dental", "口腔科", "Dentistry", "C"),
]
HALL_SERVICES = [
    ("household", "户籍业务", "Household registration", "H",
     [{"zh-CN": "居民身份证原件", "en": "Resident identity card (original)"},
      {"zh-CN": "户口簿", "en": "Household register booklet"}]),
    ("entry-exit", "出入境业务", "Entry and exit permits", "E",
     [{"zh-CN": "居民身份证原件", "en": "Resident identity card (original)"},
      {"zh-CN": "近期免冠证件照", "en": "A recent passport photo"}]),
    ("social-insurance", "社保业务", "Social insurance", "S",
     [{"zh-CN": "居民身份证原件", "en": "Resident identity card (original)"},
      {"zh-CN": "社会保障卡", "en": "Social security card"}]),
]


def departments_and_schedules() -> tuple[list[dict], list[dict]]:
    departments, schedules = [], []
    for institution in INSTITUTIONS:
        hospital = institution["kind"] == "hospital"
        for entry in HOSPITAL_DEPARTMENTS if hospital else HALL_SERVICES:
            code, name_zh, name_en, prefix = entry[:4]
            department_id = f"{institution['id']}.{code}"
            departments.append({
                "id": department_id, "institution_id": institution["id"],
                "name_zh": name_zh, "name_en": name_en, "queue_prefix": prefix,
                "fee_code": "hospital-registration" if hospital else None,
                "documents": [] if hospital else entry[4]})
            schedules.append({
                "id": f"{department_id}.1", "department_id": department_id,
                "name_zh": f"{name_zh}普通门诊" if hospital else f"{name_zh}窗口",
                "name_en": f"{name_en} clinic" if hospital else f"{name_en} window",
                "pattern": CLINIC if hospital else WINDOW,
                "release_days_ahead": 7 if hospital else 14,
                "release_at": "07:00" if hospital else "09:00"})
    return departments, schedules


def seed(session: Session, now: datetime | None = None) -> int:
    """Load the institutions, their departments and schedules, and the slots they
    should show at `now`; running it twice changes nothing."""
    for entry in INSTITUTIONS:
        session.merge(Institution(**entry))
    session.flush()
    departments, schedules = departments_and_schedules()
    for entry in departments:
        session.merge(Department(**entry))
    session.flush()
    for entry in schedules:
        session.merge(Schedule(**entry))
    session.flush()
    # The first slots, so that they are listed as soon as the services are up; the
    # service's timer makes the rest as days come into their window.
    slots.prepare_on(session.connection(), now or utcnow())
    return len(INSTITUTIONS) + len(departments) + len(schedules)
