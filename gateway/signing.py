"""The partner request signature, in plain Python (partners' SDKs do the same).

    X-Signature = base64(HMAC-SHA256(secret,
        METHOD + "\n" + PATH_WITH_QUERY + "\n" + TIMESTAMP + "\n" + NONCE + "\n"
        + hex(sha256(raw body))))
"""

import base64
import hashlib
import hmac
import re
import secrets

NONCE = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
APP_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


def string_to_sign(method: str, path_with_query: str, timestamp: str, nonce: str,
                   body: bytes) -> str:
    return "\n".join([method.upper(), path_with_query, timestamp, nonce,
                      hashlib.sha256(body).hexdigest()])


def sign(secret: str, method: str, path_with_query: str, timestamp: str, nonce: str,
         body: bytes = b"") -> str:
    message = string_to_sign(method, path_with_query, timestamp, nonce, body)
    digest = hmac.new(secret.encode(), message.encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def signature_matches(expected: str, given: str) -> bool:
    return hmac.compare_digest(expected.encode(), given.encode())


def new_secret() -> str:
    return secrets.token_urlsafe(32)


def new_nonce() -> str:
    return secrets.token_urlsafe(18)


def signed_headers(app_id: str, secret: str, method: str, path_with_query: str,
                   body: bytes = b"", timestamp: int | None = None,
                   nonce: str | None = None) -> dict:
    """Headers for a signed call: used by the tests, the benchmark and the docs."""
    import time

    timestamp_text = str(int(time.time()) if timestamp is None else timestamp)
    nonce = nonce or new_nonce()
    return {
        "X-App-Id": app_id,
        "X-Timestamp": timestamp_text,
        "X-Nonce": nonce,
        "X-Signature": sign(secret, method, path_with_query, timestamp_text, nonce, body),
    }
