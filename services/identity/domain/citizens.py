"""Identity's rules, in plain Python: what a valid registration is."""

import uuid
from dataclasses import dataclass
from datetime import datetime

from contracts import formats
from contracts.errors import InvalidInput


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
    email_sealed: str | None = None


@dataclass(frozen=True)
class Registration:
    partner_id: str
    partner_user_id: str
    phone: str
    locale: str

    def __post_init__(self):
        if not formats.matches(formats.PARTNER_USER_ID, self.partner_user_id):
            raise InvalidInput("partner_user_id must be 1-128 characters of letters, digits "
                               "and _ . : @ -", field="partner_user_id")
        if not formats.matches(formats.PHONE, self.phone):
            # The value itself is personal data: the message never repeats it.
            raise InvalidInput("phone must be in E.164 form, such as +8613900001111",
                               field="phone")
        if self.locale not in formats.LOCALES:
            raise InvalidInput(f"locale must be one of {', '.join(formats.LOCALES)}",
                               field="locale")


def new_citizen_id() -> str:
    return str(uuid.uuid4())


def check_name(name: str) -> str:
    """A person's name as the registry holds it (contracts.formats.NAME)."""
    if not formats.matches(formats.NAME, name):
        raise InvalidInput("name must be 1-64 characters with no digits and no space at "
                           "either end", field="name")
    return name


def mask_name(name: str) -> str:
    """张三 -> 张*, Zhang San -> Z********"""
    return name[0] + "*" * (len(name) - 1) if len(name) > 1 else "*"
