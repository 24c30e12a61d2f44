"""Rules of partner authentication that need no running gateway."""

from types import SimpleNamespace

import pytest
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request

from chassis.settings import Settings
from contracts.errors import ServiceUnavailable
from gateway.auth import SANDBOX_APP_ID, PartnerAuthenticator, path_with_query
from gateway.nonces import NonceStore
from gateway.signing import signed_headers


def authenticator(env: str) -> PartnerAuthenticator:
    extension = PartnerAuthenticator()
    extension.settings = Settings(env=env, sandbox_secret="a-real-secret",
                                  data_keys="k:" + "A" * 43 + "=",
                                  assertion_keys="s:" + "B" * 43 + "=")
    extension._secrets = {SANDBOX_APP_ID: ("a-real-secret", float("inf"))}
    return extension


def test_the_sandbox_partner_is_refused_in_production():
    assert authenticator("production").secret_of(SANDBOX_APP_ID) is None


def test_the_sandbox_partner_is_accepted_outside_production():
    assert authenticator("development").secret_of(SANDBOX_APP_ID) == "a-real-secret"


def test_the_signed_path_keeps_the_query_string_exactly_as_sent():
    request = SimpleNamespace(path="/v1/institutions", query_string=b"kind=hospital&x=%20")
    assert path_with_query(request) == "/v1/institutions?kind=hospital&x=%20"


def test_the_signed_path_has_no_question_mark_without_a_query():
    request = SimpleNamespace(path="/v1/fees/catalogue", query_string=b"")
    assert path_with_query(request) == "/v1/fees/catalogue"


def test_a_signed_call_is_refused_with_503_while_the_nonce_store_is_down():
    extension = authenticator("development")
    extension.nonces = NonceStore("redis://127.0.0.1:1/0")  # nothing listens there
    headers = signed_headers(SANDBOX_APP_ID, "a-real-secret", "GET", "/v1/fees/catalogue")
    request = Request(EnvironBuilder(path="/v1/fees/catalogue", headers=headers).get_environ())
    with pytest.raises(ServiceUnavailable) as refused:
        extension.authenticate(request)
    assert (refused.value.status, refused.value.code) == (503, "temporarily_unavailable")
