import base64
import json

import jwt
import pytest

from chassis.assertions import (
    AssertionVerifier,
    InvalidAssertion,
    jwks,
    load_keys,
    sign,
    verify,
)
from contracts.errors import Forbidden

KEY_A = "a:" + base64.b64encode(b"A" * 32).decode()
KEY_B = "b:" + base64.b64encode(b"B" * 32).decode()


def b64url(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


@pytest.fixture
def keys():
    return load_keys(KEY_A)


def test_a_token_states_the_citizen_and_level_for_its_audience(keys):
    token = sign(keys, "c-1", 2, "payments", lifetime=300)
    claims = verify(token, jwks(keys), "payments")
    assert (claims["sub"], claims["assurance_level"], claims["aud"]) == ("c-1", 2, "payments")


def test_a_token_for_another_audience_is_refused(keys):
    token = sign(keys, "c-1", 2, "payments", lifetime=300)
    with pytest.raises(InvalidAssertion, match="another audience"):
        verify(token, jwks(keys), "appointments")


def test_a_token_for_several_audiences_serves_each_of_them_and_no_other(keys):
    token = sign(keys, "c-1", 2, ["appointments", "payments"], lifetime=300)
    for audience in ("appointments", "payments"):
        assert verify(token, jwks(keys), audience)["sub"] == "c-1"
    with pytest.raises(InvalidAssertion, match="another audience"):
        verify(token, jwks(keys), "matters")


def test_an_expired_token_is_refused(keys):
    token = sign(keys, "c-1", 2, "payments", lifetime=300, now=1_000_000)
    with pytest.raises(InvalidAssertion, match="expired"):
        verify(token, jwks(keys), "payments")


def test_a_token_signed_with_another_key_under_our_key_id_is_refused(keys):
    forged = sign({"a": load_keys(KEY_B)["b"]}, "c-1", 3, "payments", lifetime=300)
    with pytest.raises(InvalidAssertion, match="signature"):
        verify(forged, jwks(keys), "payments")


def test_a_token_from_a_key_we_do_not_publish_is_refused(keys):
    stranger = sign(load_keys(KEY_B), "c-1", 3, "payments", lifetime=300)
    with pytest.raises(InvalidAssertion, match="key we do not know"):
        verify(stranger, jwks(keys), "payments")


def test_an_unsigned_token_with_alg_none_is_refused(keys):
    real = sign(keys, "c-1", 1, "payments", lifetime=300)
    claims = jwt.decode(real, options={"verify_signature": False})
    claims["assurance_level"] = 3
    unsigned = f"{b64url({'alg': 'none', 'kid': 'a', 'typ': 'JWT'})}.{b64url(claims)}."
    with pytest.raises(InvalidAssertion, match="not accepted"):
        verify(unsigned, jwks(keys), "payments")


def test_an_hmac_token_keyed_with_our_public_key_is_refused(keys):
    public_x = jwks(keys)["keys"][0]["x"]
    confused = jwt.encode({"sub": "c-1", "aud": "payments", "assurance_level": 3},
                          public_x, algorithm="HS256", headers={"kid": "a"})
    with pytest.raises(InvalidAssertion, match="not accepted"):
        verify(confused, jwks(keys), "payments")


def test_garbage_is_not_a_token(keys):
    with pytest.raises(InvalidAssertion):
        verify("not.a.token", jwks(keys), "payments")


def test_after_a_key_rotation_tokens_of_the_old_key_still_verify():
    old = sign(load_keys(KEY_A), "c-1", 2, "payments", lifetime=300)
    rotated = load_keys(f"{KEY_B},{KEY_A}")
    assert verify(old, jwks(rotated), "payments")["sub"] == "c-1"
    assert jwt.get_unverified_header(sign(rotated, "c", 1, "p", 300))["kid"] == "b"


def test_the_published_key_set_holds_public_keys_only(keys):
    published = jwks(keys)["keys"][0]
    assert set(published) == {"kty", "crv", "alg", "use", "kid", "x"}


def verifier_for(keys) -> AssertionVerifier:
    verifier = AssertionVerifier()
    verifier.key_set = jwks(keys)
    return verifier


def test_a_service_reads_the_level_from_a_token_about_the_citizen_it_acts_for(keys):
    token = sign(keys, "c-1", 2, "payments", lifetime=300)
    assert verifier_for(keys).level_of(token, "c-1", "payments") == 2


def test_a_service_refuses_a_token_about_another_citizen(keys):
    token = sign(keys, "c-2", 3, "payments", lifetime=300)
    with pytest.raises(Forbidden) as refused:
        verifier_for(keys).level_of(token, "c-1", "payments")
    assert refused.value.code == "assertion_invalid"


def test_a_service_refuses_a_token_it_cannot_verify_without_echoing_it(keys):
    token = sign(load_keys(KEY_B), "c-1", 3, "payments", lifetime=300)
    with pytest.raises(Forbidden) as refused:
        verifier_for(keys).level_of(token, "c-1", "payments")
    assert refused.value.code == "assertion_invalid" and token not in refused.value.message
