"""The fee catalogue `cityhub seed` loads: demo reference data, kept apart from the rules."""

from sqlalchemy.orm import Session

from services.payments.models import Fee

# The catalogue `cityhub seed` loads. Amounts are in fen (0.01 CNY).
CATALOGUE = [
    {"code": "traffic-fine", "agency": "traffic-police",
     "category": "traffic_fine", "name_zh": "交通违法罚款",
     "name_en": "Traffic fine", "amount_cents": None, "required_assurance_level": 2},
    {"code": "water-bill", "agency": "water-company",
     "category": "utility", "name_zh": "水费",
     "name_en": "Water bill", "amount_cents": None, "required_assurance_level": 1},
    {"code": "electricity-bill", "agency": "power-company",
     "category": "utility", "name_zh": "电费",
     "name_en": "Electricity bill", "amount_cents": None, "required_assurance_level": 1},
    {"code": "social-insurance-dues", "agency": "social-insurance",
     "category": "social_insurance",
     "name_zh": "城乡居民社会保险费", "name_en": "Social insurance dues",
     "amount_cents": None, "required_assurance_level": 2},
    {"code": "hospital-registration", "agency": "hospital",
     "category": "medical", "name_zh": "医院挂号费",
     "name_en": "Hospital registration fee", "amount_cents": 1000,
     "required_assurance_level": 2},
    {"code": "household-registration-certificate", "agency": "public-security",
     "category": "registration",
     "name_zh": "户籍证明工本费", "name_en": "Household registration certificate fee",
     "amount_cents": 500, "required_assurance_level": 2},
]


def seed(session: Session) -> int:
    """Load the catalogue; running it twice changes nothing."""
    for entry in CATALOGUE:
        session.merge(Fee(currency="CNY", **entry))
    return len(CATALOGUE)
