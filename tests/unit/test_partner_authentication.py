"""Rules of partner authentication that need no running gateway."""

from types import SimpleNamespace

from chassis.settings import Settings
from gateway.auth import SANDBOX_APP_ID, PartnerAuthenticator, path_with_query


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
