"""Personal data at rest: AES-GCM with rotating keys, and HMAC blind indexes.

A sealed value is "key_id:base64(nonce || ciphertext)". The first configured
key seals; any configured key opens, so keys rotate by putting the new key
first and keeping the old one until every row has been re-sealed.
"""

import base64
import hashlib
import hmac
import os

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from nameko.extensions import DependencyProvider

from chassis.settings import settings_of


class FieldCipher:
    def __init__(self, data_keys: str, blind_index_key: str):
        self._keys: dict[str, AESGCM] = {}
        self._current = None
        for pair in data_keys.split(","):
            key_id, _, encoded = pair.strip().partition(":")
            key = base64.b64decode(encoded)
            if len(key) != 32:
                raise ValueError(f"data key {key_id!r} must be 32 bytes")
            self._keys[key_id] = AESGCM(key)
            self._current = self._current or key_id
        self._index_key = blind_index_key.encode()

    def seal(self, plaintext: str, context: str) -> str:
        """Encrypt; `context` (e.g. "citizen.phone") binds the value to its column."""
        nonce = os.urandom(12)
        sealed = self._keys[self._current].encrypt(nonce, plaintext.encode(), context.encode())
        return f"{self._current}:{base64.b64encode(nonce + sealed).decode()}"

    def open(self, sealed: str, context: str) -> str:
        key_id, _, encoded = sealed.partition(":")
        raw = base64.b64decode(encoded)
        return self._keys[key_id].decrypt(raw[:12], raw[12:], context.encode()).decode()

    def blind_index(self, value: str, context: str) -> str:
        message = f"{context}\x00{value}".encode()
        return hmac.new(self._index_key, message, hashlib.sha256).hexdigest()


def transit(field: str) -> str:
    """The encryption context of a personal value crossing the broker between our
    services (an RPC argument): sealed by the sender, opened by the receiver, so
    no message on the broker carries it in the clear."""
    return f"transit.{field}"


def mask_phone(phone: str) -> str:
    """+8613812345678 -> +86138****5678"""
    if len(phone) <= 7:
        return "*" * len(phone)
    return phone[:-8] + "****" + phone[-4:]


def mask_email(address: str) -> str:
    """zhang.san@example.com -> z********@example.com"""
    local, _, domain = address.partition("@")
    return (local[:1] + "*" * max(len(local) - 1, 1)) + "@" + domain


class Cipher(DependencyProvider):
    """The process's FieldCipher, built from settings when the container starts."""

    def setup(self):
        settings = settings_of(self.container)
        self.cipher = FieldCipher(settings.data_keys, settings.blind_index_key)

    def get_dependency(self, worker_ctx):
        return self.cipher
