"""A confirmed e-mail address: a one-time code mailed to it, typed back.

The same rules as the phone's code (domain/phone_codes.py: six digits, five
minutes, five tries, kept only as a keyed hash); the address waits, sealed,
beside the code and is the citizen's only once the code matches. Confirming
tells notify (CitizenEmailConfirmed) that the citizen can be mailed.
"""

from datetime import datetime

from contracts.errors import InvalidInput
from contracts.events import CitizenEmailConfirmed
from services.identity.domain.phone_codes import LIFETIME_SECONDS, PendingCode, code_hash, new_code
from services.identity.models import EMAIL
from services.identity.use_cases.phone_confirmation import use_code


def send_code(codes, mail, cipher, hash_key: str, citizen, address: str,
              now: datetime) -> dict:
    """Mail a fresh code to `address`; `mail(address, kind, locale, values)` sends
    it through notify. Any earlier pending address and code stop working."""
    code = new_code()
    codes.put(citizen.id, PendingCode(code_hash(hash_key, citizen.id, code),
                                      now.timestamp() + LIFETIME_SECONDS),
              address=cipher.seal(address, EMAIL))
    mail(address, "email_code", citizen.locale, {"code": code})
    return {"status": "sent", "expires_in": LIFETIME_SECONDS}


def confirm(uow, codes, hash_key: str, citizen, code: str, now: datetime) -> None:
    """On a matching code the waiting address becomes the citizen's."""
    sealed_address = codes.waiting(citizen.id, "address")
    if sealed_address is None:
        raise InvalidInput("no code is pending: ask for a new one", field="code",
                           code="code_expired")
    use_code(codes, hash_key, citizen.id, code, now)
    with uow.transaction() as repository:
        repository.set_email(citizen.id, sealed_address, now)
        uow.publish(CitizenEmailConfirmed(citizen_id=citizen.id, partner_id=citizen.partner_id,
                                          locale=citizen.locale))
    citizen.email_sealed, citizen.email_confirmed_at = sealed_address, now
