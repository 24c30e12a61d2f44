"""Consent and access-log use cases for the identity service (kept out of service.py).

Each function takes the service's dependencies it needs; the rules themselves are
in consent.py.
"""

import uuid
from datetime import UTC, datetime

from sqlalchemy.exc import IntegrityError

from contracts.errors import NotFound
from contracts.events import ConsentGranted, ConsentRevoked
from contracts.time import iso_utc
from services.identity import repository
from services.identity.consent import GENESIS, chain_is_intact, check_covered, entry_hash
from services.identity.models import AccessLogEntry, Consent


def consent_view(consent: Consent) -> dict:
    return {"consent_id": consent.id, "attributes": consent.attributes.split(","),
            "purpose": consent.purpose, "granted_at": iso_utc(consent.granted_at),
            "revoked_at": iso_utc(consent.revoked_at) if consent.revoked_at else None}


def grant(db, citizen, partner_id: str, attributes: list[str], purpose: str) -> dict:
    consent = Consent(id=str(uuid.uuid4()), citizen_id=citizen.id, partner_id=partner_id,
                      attributes=",".join(attributes), purpose=purpose,
                      granted_at=datetime.now(UTC))
    with db.transaction() as session:
        session.add(consent)
        db.publish(ConsentGranted(
            consent_id=consent.id, citizen_id=citizen.id, partner_id=partner_id,
            attributes=attributes, purpose=purpose))
    return consent_view(consent)


def revoke(db, citizen, partner_id: str, consent_id: str) -> None:
    """Revoking twice is not an error: the consent is revoked either way."""
    with db.transaction() as session:
        consent = repository.consent_of(session, citizen.id, partner_id, consent_id)
        if consent is None:
            raise NotFound("no such consent", field="consent_id", code="consent_not_found")
        if consent.revoked_at is None:
            consent.revoked_at = datetime.now(UTC)
            db.publish(ConsentRevoked(
                consent_id=consent.id, citizen_id=citizen.id, partner_id=partner_id,
            ))


def record_read(db, citizen, partner_id: str, attributes: list[str], purpose: str) -> None:
    """Check consent, then append the read to the citizen's chain (before any data leaves)."""
    with db.read() as session:
        consents = repository.active_consents(session, citizen.id, partner_id, purpose)
    check_covered([c.attributes.split(",") for c in consents], attributes)
    for attempt in (1, 2):
        try:
            with db.transaction() as session:
                prev = repository.last_access_hash(session, citizen.id) or GENESIS
                read_at = datetime.now(UTC).isoformat()
                fields = (citizen.id, partner_id, ",".join(attributes), purpose, read_at)
                session.add(AccessLogEntry(
                    citizen_id=citizen.id, reader=partner_id, attributes=fields[2],
                    purpose=purpose, read_at=datetime.fromisoformat(read_at), prev_hash=prev,
                    hash=entry_hash(prev, *fields)))
            return
        except IntegrityError:
            if attempt == 2:  # another read appended first, twice in a row
                raise


def log_view(db, citizen) -> dict:
    with db.read() as session:
        rows = repository.access_log(session, citizen.id)
    # The chain hashed read_at as isoformat() of the aware UTC moment.
    entries = [{"citizen_id": e.citizen_id, "reader": e.reader, "attributes": e.attributes,
                "purpose": e.purpose, "read_at": e.read_at.isoformat(),
                "prev_hash": e.prev_hash, "hash": e.hash} for e in rows]
    items = [{"reader": e.reader, "attributes": e.attributes.split(","), "purpose": e.purpose,
              "read_at": iso_utc(e.read_at), "hash": e.hash} for e in reversed(rows)]
    return {"items": items, "chain_intact": chain_is_intact(entries)}
