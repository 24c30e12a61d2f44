"""Face and liveness (level 2 -> 3).

The server never trusts the citizen's phone: it asks the provider for the result.
A spoof is recorded with its risk score (sealed: a face result) and never raises
the level.
"""

import json
import uuid
from datetime import datetime, timedelta

from contracts.errors import NotFound, ServiceUnavailable
from contracts.events import (
    CitizenVerificationFailed,
    CitizenVerified,
    FaceVerificationEnded,
    FaceVerificationStarted,
)
from contracts.time import iso_utc
from services.identity.adapters import FaceUnavailable
from services.identity.domain.assurance import raise_to
from services.identity.models import FACE_RESULT, FaceVerification

SESSION_LIFETIME = timedelta(minutes=10)
OUTCOME_STATUS = {"pass": "passed", "no_match": "failed", "spoof": "failed"}


def provider_call(call, *args):
    try:
        return call(*args)
    except FaceUnavailable:
        raise ServiceUnavailable("the face provider is unavailable; try later",
                                 code="face_unavailable") from None


def start(uow, provider, citizen, now: datetime) -> tuple[FaceVerification, str]:
    """A new session with the provider: the verification and where the citizen completes it."""
    raise_to(citizen.assurance_level, 3)
    session = provider_call(provider.start)
    verification = FaceVerification(
        id=str(uuid.uuid4()), citizen_id=citizen.id, provider_session=session.session_id,
        status="pending", created_at=now, expires_at=now + SESSION_LIFETIME)
    with uow.transaction() as repository:
        repository.add_face_verification(verification)
        uow.publish(FaceVerificationStarted(verification_id=verification.id,
                                            citizen_id=citizen.id,
                                            expires_at=iso_utc(verification.expires_at)))
    return verification, session.complete_url


def check(uow, provider, cipher, citizen, verification_id: str,
          now: datetime) -> FaceVerification:
    """The verification with the result the server obtained from the provider."""
    with uow.read() as repository:
        verification = repository.face_verification(verification_id)
    if verification is None or verification.citizen_id != citizen.id:
        raise NotFound("no such face verification", field="verification_id",
                       code="verification_not_found")
    if verification.status != "pending":
        return verification
    result = provider_call(provider.result, verification.provider_session)
    if result is None:
        if now >= verification.expires_at:
            finish(uow, verification, "expired", None, now)
        return verification
    status = OUTCOME_STATUS[result.outcome]
    sealed = cipher.seal(json.dumps(result._asdict()), FACE_RESULT)
    finish(uow, verification, status, sealed, now, citizen, result.outcome)
    return verification


def finish(uow, verification, status, sealed, now, citizen=None, outcome=None) -> None:
    """Record the outcome once: of two concurrent checks, only the first applies it."""
    verification.status, verification.result_sealed = status, sealed
    verification.completed_at = now
    with uow.transaction() as repository:
        applied = repository.finish_face_verification(verification.id, status, sealed, now)
        if applied:
            uow.publish(FaceVerificationEnded(verification_id=verification.id,
                                              citizen_id=verification.citizen_id,
                                              status=status))
        if not applied or citizen is None:
            return
        if status == "passed":
            level = raise_to(citizen.assurance_level, 3)
            repository.set_level(citizen.id, level)
            uow.publish(CitizenVerified(citizen_id=citizen.id, partner_id=citizen.partner_id,
                                        level=level, locale=citizen.locale))
            citizen.assurance_level = level
        else:
            uow.publish(CitizenVerificationFailed(
                citizen_id=citizen.id, partner_id=citizen.partner_id, check="face",
                reason=outcome, locked=False, locale=citizen.locale))
