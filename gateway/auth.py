"""Partner authentication: runs before any worker is spawned for a signed route."""

import logging
import re
import time
from typing import NamedTuple

from nameko.extensions import DependencyProvider, SharedExtension
from sqlalchemy.orm import sessionmaker

from chassis.crypto import FieldCipher
from chassis.db import make_engine
from chassis.settings import settings_of
from contracts.errors import ServiceUnavailable, Unauthorized
from gateway import rate_limits, signing
from gateway.models import Partner
from gateway.nonces import NonceStore, NonceStoreError
from gateway.rate_limits import Policy

log = logging.getLogger(__name__)

SANDBOX_APP_ID = "sandbox"


class KnownPartner(NamedTuple):
    secret: str
    kiosk_institution: str | None
    limits: tuple[Policy, Policy]  # requests a minute: in all, and per citizen if sensitive
    until: float  # kept until this monotonic time

PARTNER_SECRET = "partner.secret"  # the encryption context of partner secrets
CACHE_SECONDS = 30.0


# Unix time in whole seconds, ASCII digits only: `str.isdigit` also takes "²", and
# int() of thousands of digits overflows or is refused (a 500 before auth).
TIMESTAMP = re.compile(r"^[0-9]{1,12}$", re.ASCII)


def path_with_query(request) -> str:
    """The request target exactly as sent: no decoding, no re-encoding."""
    path = request.environ.get("RAW_PATH_INFO", request.path)
    query = request.query_string.decode("latin-1")
    return f"{path}?{query}" if query else path


def missing(header: str, message: str | None = None) -> Unauthorized:
    return Unauthorized(message or f"the {header} header is required", field=header,
                        code="missing_credentials")


class PartnerAuthenticator(SharedExtension):
    def setup(self):
        settings = settings_of(self.container)
        self.settings = settings
        self.cipher = FieldCipher(settings.data_keys, settings.blind_index_key)
        self.engine = make_engine(settings.database_url("gateway"), pool_size=4)
        self.sessionmaker = sessionmaker(bind=self.engine)
        self.nonces = NonceStore(settings.redis_url)
        self._partners: dict[str, KnownPartner] = {}
        self.public_policies = {
            rate_limits.PROGRESS_ADDRESS: Policy(rate_limits.PROGRESS_ADDRESS,
                                                 settings.progress_per_address_per_minute, 60),
            rate_limits.PROGRESS_NUMBER: Policy(rate_limits.PROGRESS_NUMBER,
                                                settings.progress_per_number_per_minute, 60)}

    def stop(self):
        self.engine.dispose()
        self.nonces.close()

    def authenticate(self, request, sensitive_for: str | None = None) -> str:
        """The calling partner's app id, or Unauthorized with the reason; counted in the
        partner's rate limit (and, `sensitive_for` a citizen, in the partner's for that
        citizen), the standings left on `request.rate_standings`."""
        headers = request.headers
        app_id = headers.get("X-App-Id", "")
        timestamp = headers.get("X-Timestamp", "")
        nonce = headers.get("X-Nonce", "")
        signature = headers.get("X-Signature", "")
        for name, value in (("X-App-Id", app_id), ("X-Timestamp", timestamp),
                            ("X-Nonce", nonce), ("X-Signature", signature)):
            if not value:
                raise missing(name)
        if not TIMESTAMP.match(timestamp):
            raise missing("X-Timestamp", "X-Timestamp must be unix time in whole seconds "
                          "(at most 12 digits)")
        if not signing.NONCE.match(nonce):
            raise missing("X-Nonce", "X-Nonce must be 16-64 characters of A-Z a-z 0-9 _ -")

        known = self._partner(app_id) if signing.APP_ID.match(app_id) else None
        secret = known.secret if known else None
        if secret is None:
            raise Unauthorized("no partner has this app id", field="X-App-Id",
                               code="unknown_app")
        window = self.settings.signature_window_seconds
        if abs(time.time() - int(timestamp)) > window:
            raise Unauthorized(f"X-Timestamp is more than {window}s from the server's clock",
                               field="X-Timestamp", code="timestamp_skew")
        expected = signing.sign(secret, request.method, path_with_query(request), timestamp,
                                nonce, request.get_data(cache=True))
        if not signing.signature_matches(expected, signature):
            raise Unauthorized("the signature does not match the request", field="X-Signature",
                               code="signature_invalid")
        # Checked last, so that a forged request can neither burn a partner's nonce nor
        # spend its rate limit.
        partner_policy, sensitive_policy = known.limits
        limits = [(partner_policy, app_id)]
        if sensitive_for is not None:
            limits.append((sensitive_policy, f"{app_id}:{sensitive_for}"))
        now = rate_limits.now()
        try:
            new, counts = self.nonces.claim_counting(f"nonce:{app_id}:{nonce}", 2 * window,
                                                     rate_limits.counters(limits, now))
        except NonceStoreError:
            log.exception("the nonce store is unavailable")
            raise ServiceUnavailable("the request cannot be checked right now; try again",
                                     code="temporarily_unavailable") from None
        if not new:
            raise Unauthorized("this nonce was already used", field="X-Nonce",
                               code="nonce_reused")
        request.rate_standings = rate_limits.standings(limits, counts, now)
        rate_limits.check(request.rate_standings)
        return app_id

    def count_public(self, request, subjects: list[tuple[str, str]]) -> None:
        """Count an unsigned request in the public policies named with their subjects
        (the caller's address, the tracking number); 429 past any quota."""
        limits = [(self.public_policies[name], subject) for name, subject in subjects]
        now = rate_limits.now()
        try:
            counts = self.nonces.count(rate_limits.counters(limits, now))
        except NonceStoreError:
            log.exception("the rate-limit store is unavailable")
            raise ServiceUnavailable("the request cannot be checked right now; try again",
                                     code="temporarily_unavailable") from None
        request.rate_standings = rate_limits.standings(limits, counts, now)
        rate_limits.check(request.rate_standings)

    def secret_of(self, app_id: str) -> str | None:
        known = self._partner(app_id)
        return known.secret if known else None

    def kiosk_of(self, app_id: str) -> str | None:
        """The institution whose check-in kiosk this partner is, if it is one."""
        known = self._partner(app_id)
        return known.kiosk_institution if known else None

    def _partner(self, app_id: str) -> KnownPartner | None:
        if app_id == SANDBOX_APP_ID and self.settings.env == "production":
            return None
        cached = self._partners.get(app_id)
        if cached and cached.until > time.monotonic():
            return cached
        with self.sessionmaker() as session:
            partner = session.get(Partner, app_id)
            if partner is None or not partner.active:
                # Unknown ids are not cached: a flood of made-up ids must not grow memory.
                return None
            policies = (
                Policy(rate_limits.PARTNER, partner.requests_per_minute
                       or self.settings.partner_requests_per_minute, 60),
                Policy(rate_limits.SENSITIVE, partner.sensitive_per_minute
                       or self.settings.sensitive_requests_per_minute, 60))
            known = KnownPartner(self.cipher.open(partner.secret_sealed, PARTNER_SECRET),
                                 partner.kiosk_institution, policies,
                                 time.monotonic() + CACHE_SECONDS)
        self._partners[app_id] = known
        return known


class Partners(DependencyProvider):
    """`partners = Partners()`: what the gateway knows of the calling partner beyond its
    signature (which institution's kiosk it is), from the authenticator's cache."""

    authenticator = PartnerAuthenticator()

    def get_dependency(self, worker_ctx):
        return self.authenticator
