"""Verified-person assertions: short-lived tokens identity signs about a citizen.

A token is a JWT signed with Ed25519 (alg EdDSA) stating the citizen id and the
assurance level, for one audience or several (the gateway's one token for every
service it calls on the citizen's behalf). The public keys are published as a JWKS
(GET /v1/.well-known/jwks.json), so any service checks a token without calling
identity. Keys rotate like the data keys: the first configured key signs, every
configured key verifies.
"""

import base64
import time

import jwt
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from nameko.extensions import DependencyProvider

from chassis.settings import settings_of
from contracts.errors import Forbidden

ISSUER = "cityhub-identity"
ALGORITHM = "EdDSA"


class InvalidAssertion(Exception):
    """The token must not be trusted; the message says why (no token contents)."""


def _b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def load_keys(assertion_keys: str) -> dict[str, Ed25519PrivateKey]:
    """"kid:base64(32-byte seed),..." -> private keys by key id, signing key first."""
    keys = {}
    for pair in assertion_keys.split(","):
        kid, _, seed = pair.strip().partition(":")
        raw = base64.b64decode(seed)
        if len(raw) != 32:
            raise ValueError(f"assertion key {kid!r} must be a 32-byte Ed25519 seed")
        keys[kid] = Ed25519PrivateKey.from_private_bytes(raw)
    return keys


def jwks(keys: dict[str, Ed25519PrivateKey]) -> dict:
    return {"keys": [{
        "kty": "OKP", "crv": "Ed25519", "alg": ALGORITHM, "use": "sig", "kid": kid,
        "x": _b64url(key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)),
    } for kid, key in keys.items()]}


def sign(keys: dict[str, Ed25519PrivateKey], citizen_id: str, level: int,
         audience: str | list[str], lifetime: int, now: float | None = None) -> str:
    kid, key = next(iter(keys.items()))
    issued = int(now if now is not None else time.time())
    claims = {"iss": ISSUER, "sub": citizen_id, "aud": audience, "iat": issued,
              "exp": issued + lifetime, "assurance_level": level}
    return jwt.encode(claims, key, algorithm=ALGORITHM, headers={"kid": kid})


def verify(token: str, key_set: dict, audience: str) -> dict:
    """The claims of a token this JWKS vouches for, for this audience; else InvalidAssertion."""
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError:
        raise InvalidAssertion("not a token") from None
    if header.get("alg") != ALGORITHM:
        # Decided before any key is touched: "none", HS256 and friends never pass.
        raise InvalidAssertion(f"algorithm {header.get('alg')!r} is not accepted")
    jwk = next((k for k in key_set["keys"] if k["kid"] == header.get("kid")), None)
    if jwk is None:
        raise InvalidAssertion("signed with a key we do not know")
    public_key = Ed25519PublicKey.from_public_bytes(_unb64url(jwk["x"]))
    try:
        return jwt.decode(token, public_key, algorithms=[ALGORITHM], audience=audience,
                          issuer=ISSUER, options={"require": ["exp", "iat", "sub", "aud"]})
    except jwt.ExpiredSignatureError:
        raise InvalidAssertion("expired") from None
    except jwt.InvalidAudienceError:
        raise InvalidAssertion("meant for another audience") from None
    except jwt.InvalidSignatureError:
        raise InvalidAssertion("the signature does not verify") from None
    except jwt.PyJWTError as exc:
        raise InvalidAssertion(type(exc).__name__) from None


class AssertionKeys(DependencyProvider):
    """The process's assertion keys, loaded from settings when the container starts."""

    def setup(self):
        settings = settings_of(self.container)
        self.keys = load_keys(settings.assertion_keys)
        self.lifetime = settings.assertion_lifetime_seconds

    def get_dependency(self, worker_ctx):
        return self


class AssertionVerifier(DependencyProvider):
    """Checks assertions with the public keys alone, as any service but identity does.

    Only the public half of each key is kept once the container has started.
    """

    def setup(self):
        self.key_set = jwks(load_keys(settings_of(self.container).assertion_keys))

    def get_dependency(self, worker_ctx):
        return self

    def level_of(self, token: str, citizen_id: str, audience: str) -> int:
        """The assurance level the token vouches for, for this citizen and audience."""
        try:
            claims = verify(token, self.key_set, audience)
        except InvalidAssertion as exc:
            raise Forbidden(f"the assertion of the citizen's level was refused: {exc}",
                            field="assertion", code="assertion_invalid") from None
        if claims["sub"] != citizen_id:
            raise Forbidden("the assertion is about another citizen", field="assertion",
                            code="assertion_invalid")
        return int(claims["assurance_level"])
