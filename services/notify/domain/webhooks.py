"""Partner webhooks: what a partner's endpoint is sent, how it is signed, and what
happens when it does not answer.

A partner registers one endpoint and the categories it wants. Every notification
of one of its citizens becomes a *partner event* with the partner's next sequence
number (so the partner can put events in order and see a gap), and, when the
endpoint wants its category, a *delivery* to that endpoint.

Signing follows Stripe: `CityHub-Signature: t=TIMESTAMP,v1=HEX`, where HEX is
HMAC-SHA256 of `TIMESTAMP + "." + BODY` under the endpoint's secret. The timestamp
is the attempt's, so a partner refuses replays older than its tolerance.

When the endpoint fails (5xx, 429, a timeout, a refused connection) the *endpoint*
backs off, not each delivery: while it is failing notify sends one delivery at a
time as a probe, waiting 1, 2, 4 ... seconds, at most 15 minutes, between probes.
A dead endpoint is so asked about once per wait instead of once per event, and
the hundredth failed attempt in a row (about 24 hours of waits) pauses it; a batch
sent at once counts as one attempt (`after_round`). A delivery
still failing 24 hours after its first attempt is given up (`expired`); it stays
in the partner's event feed (`GET /v1/partner/events`) for replay.
"""

import hashlib
import hmac
import ipaddress
import json
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from contracts.errors import InvalidInput
from contracts.time import iso_utc
from services.notify.domain.templates import CATEGORIES

ACTIVE, PAUSED = "active", "paused"
# A delivery's life: pending until delivered, or failed (the endpoint refused it with
# a status that retrying will not change), or expired (24 hours of failures), or
# cancelled (the endpoint was removed).
PENDING, DELIVERED, FAILED, EXPIRED, CANCELLED = (
    "pending", "delivered", "failed", "expired", "cancelled")
DELIVERY_STATUSES = (PENDING, DELIVERED, FAILED, EXPIRED, CANCELLED)

PAUSE_AFTER_FAILURES = 100
RETRY_FOR = timedelta(hours=24)
FIRST_WAIT_SECONDS = 1.0
LONGEST_WAIT_SECONDS = 15 * 60.0
SIGNATURE_HEADER = "CityHub-Signature"
MAX_URL_LENGTH = 2048


@dataclass(frozen=True)
class Outcome:
    """What one attempt came to: `delivered`, `retry` (the endpoint should get it
    again) or `failed` (it refused this delivery for good)."""

    kind: str
    status_code: int | None = None
    error: str | None = None

    @property
    def delivered(self) -> bool:
        return self.kind == DELIVERED


def outcome_of(status_code: int | None, error: str | None = None) -> Outcome:
    """2xx is delivered; 5xx, 429, a timeout or a refused connection (no status) is
    retried; any other status (a 4xx, a redirect) is not: the partner must fix it."""
    if status_code is None:
        return Outcome("retry", None, error or "no answer")
    if 200 <= status_code < 300:
        return Outcome(DELIVERED, status_code)
    if status_code >= 500 or status_code == 429:
        return Outcome("retry", status_code, f"answered {status_code}")
    return Outcome(FAILED, status_code, f"answered {status_code}")


def wait_after(failures: int, jitter: float = 1.0) -> timedelta:
    """How long the endpoint rests after its `failures`-th consecutive failure:
    1 s, 2 s, 4 s ... at most 15 minutes, times `jitter` (0.9-1.1 when sending,
    so that endpoints that failed together are not all retried together)."""
    seconds = min(FIRST_WAIT_SECONDS * 2 ** max(failures - 1, 0), LONGEST_WAIT_SECONDS)
    return timedelta(seconds=seconds * jitter)


def after_round(failures: int, outcomes: list[Outcome]) -> tuple[int, bool]:
    """The endpoint's consecutive failures after a round of attempts sent together,
    and whether it must rest before the next. A round counts once: if nothing in it
    was delivered it is one more failure; if some was, the endpoint answers and only
    a round that also had to be retried leaves it at one failure, to rest briefly."""
    if not outcomes:
        return failures, False
    delivered = any(o.delivered for o in outcomes)
    retry = any(o.kind == "retry" for o in outcomes)
    if delivered:
        return (1 if retry else 0), retry
    return failures + 1, retry


def should_pause(failures: int) -> bool:
    return failures >= PAUSE_AFTER_FAILURES


def has_expired(first_attempt_at: datetime | None, now: datetime) -> bool:
    return first_attempt_at is not None and now - first_attempt_at >= RETRY_FOR


def new_secret() -> str:
    return "whsec_" + secrets.token_hex(32)


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """The `CityHub-Signature` header value for `body` sent at `timestamp`."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


def signature_matches(secret: str, header: str, body: bytes, now: int,
                      tolerance: int = 300) -> bool:
    """What a partner checks (docs/api.md has the same in a snippet to paste)."""
    try:
        parts = dict(item.split("=", 1) for item in header.split(","))
        timestamp = int(parts["t"])
    except (KeyError, ValueError):
        return False
    if abs(now - timestamp) > tolerance:
        return False
    expected = signature(secret, timestamp, body).split("v1=", 1)[1]
    return hmac.compare_digest(expected, parts.get("v1", ""))


def payload(event_id: str, sequence: int, category: str, citizen_id: str,
            notification: dict, created_at: datetime) -> dict:
    """What the partner is sent, and what its event feed lists."""
    return {"id": event_id, "sequence": sequence, "type": "notification.created",
            "category": category, "citizen_id": citizen_id,
            "created_at": iso_utc(created_at), "data": {"notification": notification}}


def body_of(payload: dict) -> bytes:
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()


def check_categories(categories) -> list[str]:
    if not isinstance(categories, list) or not categories:
        raise InvalidInput("categories must list at least one category", field="categories")
    unknown = sorted({c for c in categories if c not in CATEGORIES}, key=str)
    if unknown:
        raise InvalidInput(f"unknown category {unknown[0]!r}; the categories are "
                           f"{', '.join(CATEGORIES)}", field="categories",
                           code="unknown_category")
    return sorted(set(categories))


def check_url(url, *, production: bool, addresses: list[str] = ()) -> str:
    """An endpoint the hub may post to: https (plain http in development only) and,
    in production, never an address inside our own network (`addresses` are what
    its host resolves to), which would let a partner make the hub probe it."""
    parts = urlsplit(url) if isinstance(url, str) and len(url) <= MAX_URL_LENGTH else None
    if parts is None or parts.scheme not in ("https", "http") or not parts.hostname:
        raise InvalidInput("url must be an absolute https URL", field="url",
                           code="invalid_webhook_url")
    if parts.username or parts.password:
        raise InvalidInput("url must not carry a user or password", field="url",
                           code="invalid_webhook_url")
    if production and parts.scheme != "https":
        raise InvalidInput("url must use https", field="url", code="invalid_webhook_url")
    if production:
        for address in [parts.hostname, *addresses]:
            if is_private(address):
                raise InvalidInput("url must not point at a private or local address",
                                   field="url", code="webhook_url_not_public")
    return url


def is_private(host: str) -> bool:
    if host.lower() in ("localhost", "localhost.localdomain") or host.endswith(".localhost"):
        return True
    try:
        address = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False  # a name: judged by the addresses it resolves to
    return not address.is_global
