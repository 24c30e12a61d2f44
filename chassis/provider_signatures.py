"""The payment provider's signature, as Alipay's open platform defines "RSA2".

The provider signs every asynchronous notification it sends us: the parameters
other than `sign` and `sign_type`, sorted by name, written `name=value` and
joined with `&`, signed SHA256withRSA (PKCS#1 v1.5) and sent base64-encoded in
`sign`. Empty values are left out of the signed text. We verify with the
provider's public key before reading anything else from the notification.

Shared by the provider sandbox (which signs) and payments (which verifies), so
that both speak exactly one protocol; the rule is the provider's, not ours.
"""

import base64
import binascii

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

UNSIGNED = ("sign", "sign_type")


def signed_text(params: dict) -> bytes:
    """What the signature covers."""
    pairs = sorted((k, v) for k, v in params.items() if k not in UNSIGNED and v not in ("", None))
    return "&".join(f"{k}={v}" for k, v in pairs).encode()


def sign(params: dict, private_key: rsa.RSAPrivateKey) -> str:
    signature = private_key.sign(signed_text(params), padding.PKCS1v15(), hashes.SHA256())
    return base64.b64encode(signature).decode()


def is_genuine(params: dict, public_key: rsa.RSAPublicKey) -> bool:
    """True only for a notification the holder of the provider's key signed."""
    encoded = params.get("sign")
    if not isinstance(encoded, str) or params.get("sign_type") != "RSA2":
        return False
    try:
        signature = base64.b64decode(encoded, validate=True)
        public_key.verify(signature, signed_text(params), padding.PKCS1v15(), hashes.SHA256())
    except (InvalidSignature, binascii.Error, ValueError):
        return False
    return True


def load_public_key(pem: str) -> rsa.RSAPublicKey:
    key = serialization.load_pem_public_key(pem.encode())
    if not isinstance(key, rsa.RSAPublicKey):
        raise ValueError("the provider's key must be an RSA public key")
    return key


def load_private_key(pem: str) -> rsa.RSAPrivateKey:
    key = serialization.load_pem_private_key(pem.encode(), password=None)
    if not isinstance(key, rsa.RSAPrivateKey):
        raise ValueError("the provider's key must be an RSA private key")
    return key
