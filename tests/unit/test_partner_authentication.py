"""Rules of partner authentication that need no running gateway."""

from types import SimpleNamespace
from urllib.parse import unquote

import pytest
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request

from chassis.settings import Settings
from contracts.errors import ServiceUnavailable, Unauthorized
from gateway.auth import SANDBOX_APP_ID, KnownPartner, PartnerAuthenticator, path_with_query
from gateway.nonces import NonceStore
from gateway.rate_limits import Policy
from gateway.signing import signed_headers


def authenticator(env: str) -> PartnerAuthenticator:
    extension = PartnerAuthenticator()
    extension.settings = Settings(env=env, sandbox_secret="a-real-secret",
                                  data_keys="k:" + "A" * 43 + "=",
                                  assertion_keys="s:" + "B" * 43 + "=",
                                  sms_callback_secret="a-real-receipt-secret",
                                  receipt_keys="r:" + "C" * 43 + "=",
                                  payment_provider_public_key="the provider's key",
                                  amqp_uri="amqp://gateway:a-real-password@rabbit:5672/")
    extension._partners = {SANDBOX_APP_ID: KnownPartner(
        "a-real-secret", None, (Policy("partner", 100, 60), Policy("sensitive", 5, 60)),
        float("inf"))}
    return extension


def test_the_sandbox_partner_is_refused_in_production():
    assert authenticator("production").secret_of(SANDBOX_APP_ID) is None


def test_the_sandbox_partner_is_accepted_outside_production():
    assert authenticator("development").secret_of(SANDBOX_APP_ID) == "a-real-secret"


def sent(target: str) -> SimpleNamespace:
    """A request as eventlet's server hands it over: the raw path beside the decoded one."""
    raw_path, _, query = target.partition("?")
    return SimpleNamespace(environ={"RAW_PATH_INFO": raw_path}, path=unquote(raw_path),
                           query_string=query.encode())


def test_the_signed_path_keeps_the_query_string_exactly_as_sent():
    request = sent("/v1/institutions?kind=hospital&x=%20")
    assert path_with_query(request) == "/v1/institutions?kind=hospital&x=%20"


def test_the_signed_path_has_no_question_mark_without_a_query():
    assert path_with_query(sent("/v1/fees/catalogue")) == "/v1/fees/catalogue"


@pytest.mark.parametrize("target", ["/v1/citizens/abc%29def", "/v1/citizens/abc)def",
                                    "/v1/citizens/%E5%BC%A0", "/v1/citizens/a%2Fb"])
def test_the_signed_path_is_the_path_exactly_as_sent_encoded_or_not(target):
    assert path_with_query(sent(target)) == target


def signed_request(**header_overrides) -> Request:
    headers = signed_headers(SANDBOX_APP_ID, "a-real-secret", "GET", "/v1/fees/catalogue")
    headers.update(header_overrides)
    return Request(EnvironBuilder(path="/v1/fees/catalogue", headers=headers).get_environ())


@pytest.mark.parametrize("timestamp", ["²", "１７００００００００", "1" * 13, "9" * 309,
                                       "9" * 5000, "-1", "+1700000000", " 1700000000",
                                       "1.5", "0x10"])
def test_a_malformed_timestamp_is_a_401_naming_the_header(timestamp):
    with pytest.raises(Unauthorized) as refused:
        authenticator("development").authenticate(signed_request(**{"X-Timestamp": timestamp}))
    assert (refused.value.status, refused.value.code, refused.value.field) == (
        401, "missing_credentials", "X-Timestamp")


def test_a_well_formed_but_ancient_timestamp_is_a_skew():
    with pytest.raises(Unauthorized) as refused:
        authenticator("development").authenticate(signed_request(**{"X-Timestamp": "1"}))
    assert refused.value.code == "timestamp_skew"


def test_a_signed_call_is_refused_with_503_while_the_nonce_store_is_down():
    extension = authenticator("development")
    extension.nonces = NonceStore("redis://127.0.0.1:1/0")  # nothing listens there
    request = signed_request()
    with pytest.raises(ServiceUnavailable) as refused:
        extension.authenticate(request)
    assert (refused.value.status, refused.value.code) == (503, "temporarily_unavailable")
