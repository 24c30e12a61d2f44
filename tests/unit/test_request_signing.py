import base64
import hashlib
import hmac

from gateway import signing


def test_the_string_to_sign_joins_method_path_timestamp_nonce_and_body_hash_by_newlines():
    text = signing.string_to_sign("post", "/v1/citizens?x=1", "1700000000", "n" * 16, b"{}")
    assert text == ("POST\n/v1/citizens?x=1\n1700000000\n" + "n" * 16 + "\n"
                    + hashlib.sha256(b"{}").hexdigest())


def test_the_signature_is_base64_hmac_sha256_of_the_string_to_sign_with_the_secret():
    expected = base64.b64encode(hmac.new(
        b"s3cret", signing.string_to_sign("GET", "/v1/institutions", "1", "a" * 16, b"").encode(),
        hashlib.sha256).digest()).decode()
    assert signing.sign("s3cret", "GET", "/v1/institutions", "1", "a" * 16) == expected


def test_changing_any_part_of_the_request_changes_the_signature():
    base = ("s", "POST", "/v1/citizens", "1700000000", "n" * 16, b"{}")
    original = signing.sign(*base)
    for index, changed in [(1, "PUT"), (2, "/v1/citizenz"), (3, "1700000001"),
                           (4, "m" * 16), (5, b"{ }")]:
        parts = list(base)
        parts[index] = changed
        assert signing.sign(*parts) != original


def test_nonces_must_be_16_to_64_url_safe_characters():
    assert signing.NONCE.match("a" * 16) and signing.NONCE.match("A-_9" * 16)
    assert not signing.NONCE.match("a" * 15)
    assert not signing.NONCE.match("a" * 65)
    assert not signing.NONCE.match("a" * 15 + "!")
    assert signing.NONCE.match(signing.new_nonce())
