"""Idempotency keys on order creation, as Stripe and GOV.UK Pay keep them.

A partner retries a `POST …/payments` it did not hear back from with the same
`Idempotency-Key`: the same key with the same body, within 24 hours, is the same
order (no second one); the same key with another body is a mistake that would
otherwise pay the wrong thing, so it is refused. The body is compared by a
fingerprint of its canonical JSON, so the order of its fields does not matter.
"""

import hashlib
import json
import re
from datetime import datetime, timedelta

from contracts import formats
from contracts.errors import InvalidInput

KEPT_FOR = timedelta(hours=24)
KEY = re.compile(formats.IDEMPOTENCY_KEY)
REPLAY, NEW = "replay", "new"


def check_key(key) -> str:
    if key is None or key == "":
        raise InvalidInput("an Idempotency-Key header is required (a UUID is a good one)",
                           field="Idempotency-Key", code="idempotency_key_missing")
    if not isinstance(key, str) or not KEY.match(key):
        raise InvalidInput("Idempotency-Key must be 8-128 of A-Z a-z 0-9 _ . : -",
                           field="Idempotency-Key")
    return key


def fingerprint(body: dict) -> str:
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def judge(stored: tuple[str, datetime] | None, body_fingerprint: str, now: datetime) -> str:
    """REPLAY (answer with the stored order) or NEW (make one); `stored` is the key's
    (fingerprint, first use) if the key was seen. Refuses another body within 24 h."""
    if stored is None:
        return NEW
    stored_fingerprint, first_used = stored
    if now - first_used >= KEPT_FOR:
        return NEW  # forgotten: a key is kept 24 hours
    if stored_fingerprint != body_fingerprint:
        raise InvalidInput("this Idempotency-Key was used with another body: use a new key "
                           "for a new order", field="Idempotency-Key",
                           code="idempotency_key_reused")
    return REPLAY
