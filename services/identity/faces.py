"""Face and liveness use cases for the identity service (level 2 -> 3).

The server never trusts the citizen's phone: it asks the provider for the result.
A spoof is recorded with its risk score (sealed: a face result) and never raises
the level.
"""

import json
import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import update

from contracts.errors import NotFound, ServiceUnavailable
from contracts.events import CitizenVerificationFailed, CitizenVerified
from contracts.time import iso_utc
from services.identity import repository
from services.identity.adapters import FaceUnavailable
from services.identity.assurance import raise_to
from services.identity.models import FACE_RESULT, FaceVerification

SESSION_LIFETIME = timedelta(minutes=10)
OUTCOME_STATUS = {"pass": "passed", "no_match": "failed", "spoof": "failed"}


def provider_call(call, *args):
    try:
        return call(*args)
    except FaceUnavailable:
        raise ServiceUnavailable("the face provider is unavailable; try later",
                                 code="face_unavailable") from None


def start(db, provider, citizen) -> dict:
    raise_to(citizen.assurance_level, 3)
    session = provider_call(provider.start)
    now = datetime.now(UTC)
    verification = FaceVerification(
        id=str(uuid.uuid4()), citizen_id=citizen.id, provider_session=session.session_id,
        status="pending", created_at=now, expires_at=now + SESSION_LIFETIME)
    with db.transaction() as s:
        s.add(verification)
    return view(verification) | {"sandbox_complete_url": session.complete_url}


def check(db, provider, cipher, citizen, verification_id: str) -> dict:
    """The result as the server obtained it from the provider."""
    with db.read() as s:
        verification = s.get(FaceVerification, verification_id)
    if verification is None or verification.citizen_id != citizen.id:
        raise NotFound("no such face verification", field="verification_id",
                       code="verification_not_found")
    if verification.status != "pending":
        return view(verification)
    now = datetime.now(UTC)
    result = provider_call(provider.result, verification.provider_session)
    if result is None:
        if now >= verification.expires_at:
            finish(db, verification, "expired", None, now)
        return view(verification)
    status = OUTCOME_STATUS[result.outcome]
    sealed = cipher.seal(json.dumps(result._asdict()), FACE_RESULT)
    finish(db, verification, status, sealed, now, citizen, result.outcome)
    return view(verification)


def finish(db, verification, status, sealed, now, citizen=None, outcome=None) -> None:
    """Record the outcome once: of two concurrent checks, only the first applies it."""
    verification.status, verification.result_sealed = status, sealed
    verification.completed_at = now
    with db.transaction() as s:
        applied = s.execute(
            update(FaceVerification)
            .where(FaceVerification.id == verification.id, FaceVerification.status == "pending")
            .values(status=status, result_sealed=sealed, completed_at=now)).rowcount == 1
        if not applied or citizen is None:
            return
        if status == "passed":
            level = raise_to(citizen.assurance_level, 3)
            repository.set_level(s, citizen.id, level)
            db.publish(CitizenVerified(
                citizen_id=citizen.id, partner_id=citizen.partner_id, level=level,
                locale=citizen.locale))
        else:
            db.publish(CitizenVerificationFailed(
                citizen_id=citizen.id, partner_id=citizen.partner_id, check="face",
                reason=outcome, locked=False, locale=citizen.locale,
            ))


def view(verification) -> dict:
    return {"verification_id": verification.id, "status": verification.status,
            "expires_at": iso_utc(verification.expires_at)}
