"""Phone confirmation (level 0 -> 1): a one-time code texted to the citizen.

Only a keyed hash of the code is kept, in Redis; the rules (lifetime, tries) are
in domain/phone_codes.py. Asking again replaces the pending code.
"""

from datetime import datetime

from contracts.errors import InvalidInput
from contracts.events import CitizenPhoneVerified, CitizenVerified
from contracts.time import city_day
from services.identity.domain.assurance import raise_to
from services.identity.domain.phone_codes import (
    LIFETIME_SECONDS,
    PendingCode,
    check_daily_texts,
    code_hash,
    new_code,
)
from services.identity.models import PHONE


def send_code(codes, sms, cipher, hash_key: str, citizen, now: datetime) -> dict:
    """Text a fresh code; any earlier code stops working. `sms(phone, kind, locale,
    values)` sends a text through notify."""
    raise_to(citizen.assurance_level, 1)  # refuses a phone already confirmed
    check_daily_texts(codes.count_text(citizen.phone_index, city_day(now)), now)
    code = new_code()
    codes.put(citizen.id, PendingCode(code_hash(hash_key, citizen.id, code),
                                      now.timestamp() + LIFETIME_SECONDS))
    sms(cipher.open(citizen.phone_sealed, PHONE), "phone_code", citizen.locale,
        {"code": code})
    return {"status": "sent", "expires_in": LIFETIME_SECONDS}


def confirm(uow, codes, hash_key: str, citizen, code: str, now: datetime) -> int:
    """Check the code; on a match raise the citizen to level 1 and return it."""
    level = raise_to(citizen.assurance_level, 1)
    use_code(codes, hash_key, citizen.id, code, now)
    with uow.transaction() as repository:
        repository.set_level(citizen.id, level)
        uow.publish(CitizenPhoneVerified(citizen_id=citizen.id, partner_id=citizen.partner_id))
        uow.publish(CitizenVerified(citizen_id=citizen.id, partner_id=citizen.partner_id,
                                    level=level, locale=citizen.locale))
    citizen.assurance_level = level
    return level


def use_code(codes, hash_key: str, citizen_id: str, code: str, now: datetime) -> None:
    """Spend one try of the pending code (a phone's or an e-mail's): returns when it
    matches (and forgets it), raises InvalidInput when it does not, has expired or
    none is pending. Read what waited beside it (`codes.waiting`) before calling."""
    pending = codes.take_attempt(citizen_id)
    if pending is None:
        raise InvalidInput("no code is pending: ask for a new one", field="code",
                           code="code_expired")
    try:
        wrong = pending.attempt(code_hash(hash_key, citizen_id, code), now.timestamp())
    except InvalidInput:
        codes.discard(citizen_id)  # expired or burned
        raise
    if wrong is not None:
        raise InvalidInput(f"the code is wrong; {wrong.tries_left} tries left",
                           field="code", code="code_invalid")
    codes.discard(citizen_id)
