"""The real-name check (level 1 -> 2): name and ID number against the population registry.

An attempt is counted before the registry is asked, under a lock on the citizen,
so concurrent attempts cannot outrun the lockout (five failures in 24 hours,
domain/assurance.py). The attempt stays as a failure if the registry says no, and
is forgotten if the registry gave no answer or said yes. A failure is told to the
citizen through an event before the error goes back.
"""

from datetime import datetime

from contracts.errors import Conflict, InvalidInput, ServiceUnavailable
from contracts.events import CitizenVerificationFailed, CitizenVerified
from services.identity.adapters import RegistryAnswer, RegistryUnavailable
from services.identity.domain.assurance import (
    MAX_FAILED_REAL_NAME_ATTEMPTS,
    REAL_NAME_WINDOW,
    check_not_locked_out,
    raise_to,
)
from services.identity.models import ID_NUMBER, NAME
from services.identity.repository import AlreadyTaken


def verify(uow, registry, cipher, citizen, name: str, id_number: str, now: datetime) -> None:
    """Raise the citizen to level 2, or raise the error the registry's answer means.

    On success `citizen` holds what was stored, so the caller need not read it again.
    """
    level = raise_to(citizen.assurance_level, 2)
    index = cipher.blind_index(id_number, ID_NUMBER)
    attempt_id, attempts = count_attempt(uow, citizen, index, now)
    try:
        answer = registry.check(name, id_number)
    except RegistryUnavailable:
        with uow.transaction() as repository:
            repository.forget_attempt(attempt_id)
        raise ServiceUnavailable("the population registry is unavailable; try later",
                                 code="registry_unavailable") from None
    if answer is not RegistryAnswer.MATCH:
        record_failure(uow, citizen, attempt_id, answer, attempts)
    name_sealed, id_number_sealed = cipher.seal(name, NAME), cipher.seal(id_number, ID_NUMBER)
    try:
        with uow.transaction() as repository:
            repository.forget_attempt(attempt_id)
            repository.set_real_name(citizen.id, level, name_sealed, id_number_sealed, index)
            uow.publish(CitizenVerified(citizen_id=citizen.id, partner_id=citizen.partner_id,
                                        level=level, locale=citizen.locale))
    except AlreadyTaken:
        # Another request of the same partner took the ID number in the meantime.
        with uow.transaction() as repository:
            repository.forget_attempt(attempt_id)
        raise identity_in_use() from None
    citizen.assurance_level = level
    citizen.name_sealed, citizen.id_number_sealed = name_sealed, id_number_sealed
    citizen.id_number_index = index


def count_attempt(uow, citizen, id_number_index: str, now: datetime) -> tuple[int, int]:
    """Record an attempt before the registry is asked: (its id, attempts in the window).

    Raises TooManyAttempts when the window is full, identity_in_use when the ID
    number already backs another citizen of the partner.
    """
    with uow.transaction() as repository:
        repository.lock_citizen(citizen.id)
        attempts = repository.attempts_since(citizen.id, now - REAL_NAME_WINDOW)
        check_not_locked_out(attempts, now)
        if repository.id_number_taken(citizen.partner_id, id_number_index, citizen.id):
            raise identity_in_use()
        return repository.add_attempt(citizen.id, now), len(attempts) + 1


def identity_in_use() -> Conflict:
    return Conflict("this ID number already backs another of your citizens",
                    field="id_number", code="identity_in_use")


def record_failure(uow, citizen, attempt_id: int, answer: RegistryAnswer,
                   attempts: int) -> None:
    """Keep the failed attempt and its event, then raise the matching error."""
    reason = ("identity_not_found" if answer is RegistryAnswer.NOT_FOUND
              else "identity_mismatch")
    with uow.transaction() as repository:
        repository.settle_attempt(attempt_id, reason)
        uow.publish(CitizenVerificationFailed(
            citizen_id=citizen.id, partner_id=citizen.partner_id, check="real_name",
            reason=reason, locked=attempts >= MAX_FAILED_REAL_NAME_ATTEMPTS,
            locale=citizen.locale))
    if reason == "identity_not_found":
        raise InvalidInput("the registry holds no person with this ID number",
                           field="id_number", code=reason)
    raise InvalidInput("the name does not match the registry's record for this ID number",
                       field="name", code=reason)
