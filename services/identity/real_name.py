"""The real-name check (level 1 -> 2): name and ID number against the population registry.

A failed check is recorded, and told to the citizen through an event, before the
error goes back; five failures in 24 hours lock the check (assurance.py).
"""

from datetime import UTC, datetime

from sqlalchemy.exc import IntegrityError

from contracts.errors import Conflict, InvalidInput, ServiceUnavailable
from contracts.events import CitizenVerificationFailed, CitizenVerified
from services.identity import repository
from services.identity.adapters import RegistryAnswer, RegistryUnavailable
from services.identity.assurance import (
    MAX_FAILED_REAL_NAME_ATTEMPTS,
    REAL_NAME_WINDOW,
    check_not_locked_out,
    raise_to,
)
from services.identity.models import ID_NUMBER, NAME


def verify(db, registry, cipher, citizen, name: str, id_number: str) -> None:
    """Raise the citizen to level 2, or raise the error the registry's answer means.

    On success `citizen` holds what was stored, so the caller need not read it again.
    """
    level = raise_to(citizen.assurance_level, 2)
    now = datetime.now(UTC)
    index = cipher.blind_index(id_number, ID_NUMBER)
    with db.read() as session:
        failures = repository.failures_since(session, citizen.id, now - REAL_NAME_WINDOW)
        check_not_locked_out(failures, now)
        if repository.id_number_taken(session, citizen.partner_id, index, citizen.id):
            raise identity_in_use()
    try:
        answer = registry.check(name, id_number)
    except RegistryUnavailable:
        raise ServiceUnavailable("the population registry is unavailable; try later",
                                 code="registry_unavailable") from None
    if answer is not RegistryAnswer.MATCH:
        record_failure(db, citizen, answer, len(failures) + 1, now)
    name_sealed, id_number_sealed = cipher.seal(name, NAME), cipher.seal(id_number, ID_NUMBER)
    try:
        with db.transaction() as session:
            repository.set_real_name(session, citizen.id, level, name_sealed, id_number_sealed,
                                     index)
            db.publish(CitizenVerified.TYPE, CitizenVerified(
                citizen_id=citizen.id, partner_id=citizen.partner_id, level=level,
                locale=citizen.locale).model_dump(), citizen_id=citizen.id)
    except IntegrityError:
        # Another request of the same partner took the ID number in the meantime.
        raise identity_in_use() from None
    citizen.assurance_level = level
    citizen.name_sealed, citizen.id_number_sealed = name_sealed, id_number_sealed
    citizen.id_number_index = index


def identity_in_use() -> Conflict:
    return Conflict("this ID number already backs another of your citizens",
                    field="id_number", code="identity_in_use")


def record_failure(db, citizen, answer: RegistryAnswer, failures_now: int, now) -> None:
    """Keep the failed attempt and its event, then raise the matching error."""
    reason = ("identity_not_found" if answer is RegistryAnswer.NOT_FOUND
              else "identity_mismatch")
    locked = failures_now >= MAX_FAILED_REAL_NAME_ATTEMPTS
    with db.transaction() as session:
        repository.add_failure(session, citizen.id, reason, now)
        db.publish(CitizenVerificationFailed.TYPE, CitizenVerificationFailed(
            citizen_id=citizen.id, partner_id=citizen.partner_id, check="real_name",
            reason=reason, locked=locked, locale=citizen.locale,
        ).model_dump(), citizen_id=citizen.id)
    if reason == "identity_not_found":
        raise InvalidInput("the registry holds no person with this ID number",
                           field="id_number", code=reason)
    raise InvalidInput("the name does not match the registry's record for this ID number",
                       field="name", code=reason)
