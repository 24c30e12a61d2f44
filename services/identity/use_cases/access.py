"""Consent and the access log: a partner reads verified attributes only for a purpose
the citizen consented to, and every read is appended to a hash chain first."""

import uuid
from datetime import UTC, datetime

from sqlalchemy.exc import IntegrityError

from contracts.errors import NotFound
from contracts.events import ConsentGranted, ConsentRevoked
from services.identity.domain.consent import GENESIS, chain_is_intact, check_covered, entry_hash
from services.identity.models import AccessLogEntry, Consent
from services.identity.repository import AlreadyTaken


def grant(uow, citizen, partner_id: str, attributes: list[str], purpose: str,
          now: datetime) -> tuple[Consent, bool]:
    """(the consent, newly granted): the same consent again while it is active is that
    consent. Insert first: the database's one-active rule, not a read before the
    write, decides which of two twin requests granted it."""
    consent = Consent(id=str(uuid.uuid4()), citizen_id=citizen.id, partner_id=partner_id,
                      attributes=",".join(attributes), purpose=purpose, granted_at=now)
    try:
        with uow.transaction() as repository:
            repository.add_consent(consent)
            uow.publish(ConsentGranted(consent_id=consent.id, citizen_id=citizen.id,
                                       partner_id=partner_id, attributes=attributes,
                                       purpose=purpose))
        return consent, True
    except IntegrityError:
        with uow.read() as repository:
            granted = repository.active_consent(citizen.id, partner_id, purpose,
                                                consent.attributes)
        if granted is None:
            raise  # some other constraint failed: not the same consent again
        return granted, False


def revoke(uow, citizen, partner_id: str, consent_id: str, now: datetime) -> None:
    """Revoking twice is not an error: the consent is revoked either way."""
    with uow.transaction() as repository:
        consent = repository.consent_of(citizen.id, partner_id, consent_id)
        if consent is None:
            raise NotFound("no such consent", field="consent_id", code="consent_not_found")
        if consent.revoked_at is None:
            repository.revoke_consent(consent.id, now)
            uow.publish(ConsentRevoked(consent_id=consent.id, citizen_id=citizen.id,
                                       partner_id=partner_id))


def record_read(uow, citizen, partner_id: str, attributes: list[str], purpose: str,
                now: datetime) -> None:
    """Check consent, then append the read to the citizen's chain (before any data leaves)."""
    with uow.read() as repository:
        consents = repository.active_consents(citizen.id, partner_id, purpose)
    check_covered([c.attributes.split(",") for c in consents], attributes)
    append_read(uow, citizen, partner_id, attributes, purpose, now)


def append_read(uow, citizen, reader: str, attributes: list[str], purpose: str,
                now: datetime) -> None:
    """Append a read to the citizen's hash chain: by a partner (after its consent was
    checked) or by one of our services doing what the citizen asked of it."""
    partner_id = reader
    now = now.astimezone(UTC)  # hashed as written, and read back, in UTC
    read_at = now.isoformat()
    for attempt in (1, 2):
        try:
            with uow.transaction() as repository:
                prev = repository.last_access_hash(citizen.id) or GENESIS
                fields = (citizen.id, partner_id, ",".join(attributes), purpose, read_at)
                repository.append_access(AccessLogEntry(
                    citizen_id=citizen.id, reader=partner_id, attributes=fields[2],
                    purpose=purpose, read_at=now, prev_hash=prev,
                    hash=entry_hash(prev, *fields)))
            return
        except AlreadyTaken:
            if attempt == 2:  # another read appended first, twice in a row
                raise


def access_log(uow, citizen) -> tuple[list[AccessLogEntry], bool]:
    """The citizen's access log, oldest first, and whether its hash chain is intact."""
    with uow.read() as repository:
        entries = repository.access_log(citizen.id)
    # The chain hashed read_at as isoformat() of the aware UTC moment.
    return entries, chain_is_intact([
        {"citizen_id": e.citizen_id, "reader": e.reader, "attributes": e.attributes,
         "purpose": e.purpose, "read_at": e.read_at.isoformat(), "prev_hash": e.prev_hash,
         "hash": e.hash} for e in entries])
