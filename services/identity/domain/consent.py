"""Consent and the access log: identity's rules, no I/O.

A partner reads a citizen's verified attributes only for a purpose the citizen
consented to. Every such read is an access-log entry whose hash covers the
entry and the hash before it, so an edited or deleted entry breaks the chain.
"""

import hashlib
import json

from contracts import formats
from contracts.errors import Forbidden, InvalidInput

ATTRIBUTES = ("name", "id_number", "phone")
GENESIS = "0" * 64


def check_request(attributes: list, purpose: str) -> tuple[list[str], str]:
    if not formats.matches(formats.PURPOSE, purpose):
        raise InvalidInput("purpose must be 3-64 characters of a-z 0-9 _ . - "
                           "(e.g. fine-payment)", field="purpose")
    if not attributes or any(a not in ATTRIBUTES for a in attributes):
        raise InvalidInput(f"attributes must be some of {', '.join(ATTRIBUTES)}",
                           field="attributes")
    return sorted(set(attributes)), purpose


def check_covered(consented: list[list[str]], wanted: list[str]) -> None:
    """`consented`: the attribute lists of the active consents for this purpose."""
    allowed = {attribute for attributes in consented for attribute in attributes}
    missing = [a for a in wanted if a not in allowed]
    if missing:
        raise Forbidden(f"the citizen has not consented to {', '.join(missing)} "
                        "for this purpose", field="attributes", code="consent_required")


def entry_hash(prev_hash: str, citizen_id: str, reader: str, attributes: str, purpose: str,
               read_at: str) -> str:
    record = json.dumps([prev_hash, citizen_id, reader, attributes, purpose, read_at])
    return hashlib.sha256(record.encode()).hexdigest()


def chain_is_intact(entries: list[dict]) -> bool:
    """Entries oldest first, each with the fields entry_hash takes and its hash."""
    prev = GENESIS
    for e in entries:
        expected = entry_hash(prev, e["citizen_id"], e["reader"], e["attributes"],
                              e["purpose"], e["read_at"])
        if e["prev_hash"] != prev or e["hash"] != expected:
            return False
        prev = e["hash"]
    return True
