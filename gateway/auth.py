"""Partner authentication: runs before any worker is spawned for a signed route."""

import logging
import re
import time

from nameko.extensions import DependencyProvider, SharedExtension
from sqlalchemy.orm import sessionmaker

from chassis.crypto import FieldCipher
from chassis.db import make_engine
from chassis.settings import settings_of
from contracts.errors import ServiceUnavailable, Unauthorized
from gateway import signing
from gateway.models import Partner
from gateway.nonces import NonceStore, NonceStoreError

log = logging.getLogger(__name__)

SANDBOX_APP_ID = "sandbox"
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
        # app id -> (secret, kiosk's institution, cached until)
        self._partners: dict[str, tuple[str, str | None, float]] = {}

    def stop(self):
        self.engine.dispose()
        self.nonces.close()

    def authenticate(self, request) -> str:
        """The calling partner's app id, or Unauthorized with the reason."""
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

        secret = self.secret_of(app_id) if signing.APP_ID.match(app_id) else None
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
        # Checked last, so that a forged request cannot burn a partner's nonce.
        try:
            new = self.nonces.claim(f"nonce:{app_id}:{nonce}", 2 * window)
        except NonceStoreError:
            log.exception("the nonce store is unavailable")
            raise ServiceUnavailable("the request cannot be checked right now; try again",
                                     code="temporarily_unavailable") from None
        if not new:
            raise Unauthorized("this nonce was already used", field="X-Nonce",
                               code="nonce_reused")
        return app_id

    def secret_of(self, app_id: str) -> str | None:
        known = self._partner(app_id)
        return known[0] if known else None

    def kiosk_of(self, app_id: str) -> str | None:
        """The institution whose check-in kiosk this partner is, if it is one."""
        known = self._partner(app_id)
        return known[1] if known else None

    def _partner(self, app_id: str) -> tuple[str, str | None, float] | None:
        if app_id == SANDBOX_APP_ID and self.settings.env == "production":
            return None
        cached = self._partners.get(app_id)
        if cached and cached[2] > time.monotonic():
            return cached
        with self.sessionmaker() as session:
            partner = session.get(Partner, app_id)
            if partner is None or not partner.active:
                # Unknown ids are not cached: a flood of made-up ids must not grow memory.
                return None
            known = (self.cipher.open(partner.secret_sealed, PARTNER_SECRET),
                     partner.kiosk_institution, time.monotonic() + CACHE_SECONDS)
        self._partners[app_id] = known
        return known


class Partners(DependencyProvider):
    """`partners = Partners()`: what the gateway knows of the calling partner beyond its
    signature (which institution's kiosk it is), from the authenticator's cache."""

    authenticator = PartnerAuthenticator()

    def get_dependency(self, worker_ctx):
        return self.authenticator
