"""Phone confirmation (level 0 -> 1): a one-time code texted to the citizen.

Only a keyed hash of the code is kept, in Redis; the rules (lifetime, tries) are
in phone_codes.py. Asking again replaces the pending code.
"""

import time

from chassis.crypto import transit
from contracts.errors import InvalidInput
from contracts.events import CitizenPhoneVerified, CitizenVerified
from services.identity import repository
from services.identity.assurance import raise_to
from services.identity.models import PHONE
from services.identity.phone_codes import LIFETIME_SECONDS, PendingCode, code_hash, new_code


def send_code(codes, notify, cipher, hash_key: str, citizen) -> dict:
    """Text a fresh code (through notify); any earlier code stops working."""
    raise_to(citizen.assurance_level, 1)  # refuses a phone already confirmed
    code = new_code()
    codes.put(citizen.id, PendingCode(code_hash(hash_key, citizen.id, code),
                                      time.time() + LIFETIME_SECONDS))
    phone = cipher.open(citizen.phone_sealed, PHONE)
    notify.send_sms(cipher.seal(phone, transit("phone")), "phone_code", citizen.locale,
                    {"code": code})
    return {"status": "sent", "expires_in": LIFETIME_SECONDS}


def confirm(db, codes, hash_key: str, citizen, code: str) -> int:
    """Check the code; on a match raise the citizen to level 1 and return it."""
    level = raise_to(citizen.assurance_level, 1)
    pending = codes.take_attempt(citizen.id)
    if pending is None:
        raise InvalidInput("no code is pending: ask for a new one", field="code",
                           code="code_expired")
    try:
        wrong = pending.attempt(code_hash(hash_key, citizen.id, code), time.time())
    except InvalidInput:
        codes.discard(citizen.id)  # expired or burned
        raise
    if wrong is not None:
        raise InvalidInput(f"the code is wrong; {wrong.tries_left} tries left",
                           field="code", code="code_invalid")
    codes.discard(citizen.id)
    with db.transaction() as session:
        repository.set_level(session, citizen.id, level)
        db.publish(CitizenPhoneVerified(citizen_id=citizen.id, partner_id=citizen.partner_id))
        db.publish(CitizenVerified(
            citizen_id=citizen.id, partner_id=citizen.partner_id, level=level,
            locale=citizen.locale))
    return level
