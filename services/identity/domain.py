"""Identity's rules, in plain Python: what a valid registration is."""

import re
import uuid
from dataclasses import dataclass
from datetime import datetime

from contracts.errors import InvalidInput

LOCALES = ("zh-CN", "en")
E164 = re.compile(r"^\+[1-9]\d{7,14}$")
PARTNER_USER_ID = re.compile(r"^[A-Za-z0-9_.:@-]{1,128}$")


@dataclass(frozen=True)
class NewCitizen:
    """A citizen about to be inserted: the row's values, sealed where personal.

    A plain object, not the ORM model: registration inserts it with one Core
    statement, and building an ORM instance cost more than the insert.
    """

    id: str
    partner_id: str
    partner_user_id: str
    phone_sealed: str
    phone_index: str
    locale: str
    created_at: datetime
    assurance_level: int = 0
    name_sealed: str | None = None
    id_number_sealed: str | None = None


@dataclass(frozen=True)
class Registration:
    partner_id: str
    partner_user_id: str
    phone: str
    locale: str

    def __post_init__(self):
        if not PARTNER_USER_ID.match(self.partner_user_id):
            raise InvalidInput("partner_user_id must be 1-128 characters of letters, digits "
                               "and _ . : @ -", field="partner_user_id")
        if not E164.match(self.phone):
            # The value itself is personal data: the message never repeats it.
            raise InvalidInput("phone must be in E.164 form, such as +8613900001111",
                               field="phone")
        if self.locale not in LOCALES:
            raise InvalidInput(f"locale must be one of {', '.join(LOCALES)}", field="locale")


def new_citizen_id() -> str:
    return str(uuid.uuid4())


def check_name(name: str) -> str:
    """A person's name as the registry holds it: 1-64 letters, no digits."""
    name = name.strip() if isinstance(name, str) else ""
    if not 1 <= len(name) <= 64 or any(ch.isdigit() or not ch.isprintable() for ch in name):
        raise InvalidInput("name must be 1-64 characters with no digits", field="name")
    return name


def mask_name(name: str) -> str:
    """张三 -> 张*, Zhang San -> Z********"""
    return name[0] + "*" * (len(name) - 1) if len(name) > 1 else "*"
