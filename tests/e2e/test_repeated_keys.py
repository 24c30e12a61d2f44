"""A body with a key twice, or a query with a parameter twice, is refused naming it
(422 duplicate_key) on every route, and nothing is done: parsers that read such a
request differently (a partner's validator, a WAF, ours) would approve different things."""

import json
import re

import pytest

from gateway.openapi import document
from gateway.service import GatewayService
from tests.e2e.test_real_name import citizen_at_level_2

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def citizen(platform):
    """A citizen at level 2 of a partner of its own, for the module."""
    return citizen_at_level_2(platform)

OPERATIONS = [(method.upper(), path, operation)
              for path, methods in document(GatewayService)["paths"].items()
              for method, operation in methods.items()]
WITH_BODY = [(method, path) for method, path, operation in OPERATIONS
             if "requestBody" in operation]
WITH_QUERY = [(method, path, parameter["name"]) for method, path, operation in OPERATIONS
              for parameter in operation["parameters"] if parameter["in"] == "query"]


def filled(path: str, citizen_id: str) -> str:
    return re.sub(r"\{[a-z_]+\}", "x", path.replace("{citizen_id}", citizen_id))


def refused_naming(answer, name: str) -> bool:
    error = answer.json()["error"]
    return (answer.status_code, error["code"], error["field"]) == (422, "duplicate_key", name)


@pytest.mark.parametrize("method, path", WITH_BODY, ids=[" ".join(r) for r in WITH_BODY])
def test_a_body_with_a_key_twice_is_refused_naming_it(platform, citizen, method, path):
    partner, citizen_id = citizen
    answer = platform.call(method, filled(path, citizen_id), partner=partner,
                           raw=b'{"repeated": 1, "repeated": 2}')
    assert refused_naming(answer, "repeated"), answer.text


def test_a_fee_ordered_with_its_code_twice_is_refused_and_no_order_is_made(platform, citizen):
    partner, citizen_id = citizen
    before = platform.count("payments", "payments")
    answer = platform.call("POST", f"/v1/citizens/{citizen_id}/payments", partner=partner,
                           headers={"Idempotency-Key": "repeated-fee-code-1"},
                           raw=b'{"fee_code": "x", "fee_code": "hospital-registration"}')
    assert refused_naming(answer, "fee_code"), answer.text
    assert platform.count("payments", "payments") == before
    # Control: the same order with its code once is made.
    made = platform.call("POST", f"/v1/citizens/{citizen_id}/payments", partner=partner,
                         headers={"Idempotency-Key": "repeated-fee-code-2"},
                         raw=b'{"fee_code": "hospital-registration"}')
    assert made.status_code == 201, made.text


def test_a_key_twice_deep_inside_a_body_is_refused_naming_it(platform, citizen):
    partner, citizen_id = citizen
    choice = json.dumps({"sms": True})
    raw = ('{"categories": {"payment": ' + choice + ', "payment": {"sms": false}}}').encode()
    answer = platform.call("PUT", f"/v1/citizens/{citizen_id}/notification-preferences",
                           partner=partner, raw=raw)
    assert refused_naming(answer, "payment"), answer.text


@pytest.mark.parametrize("method, path, name", WITH_QUERY,
                         ids=[f"{m} {p} {n}" for m, p, n in WITH_QUERY])
def test_a_query_parameter_sent_twice_is_refused_naming_it(platform, citizen, method, path,
                                                           name):
    partner, citizen_id = citizen
    answer = platform.call(method, f"{filled(path, citizen_id)}?{name}=1&{name}=2",
                           partner=partner)
    assert refused_naming(answer, name), answer.text


def test_a_query_with_each_parameter_once_is_answered(platform, citizen):
    assert len(WITH_BODY) >= 20 and len(WITH_QUERY) >= 10  # every route was read
    partner, citizen_id = citizen
    answer = platform.call("GET", f"/v1/citizens/{citizen_id}/notifications?limit=1",
                           partner=partner)
    assert answer.status_code == 200, answer.text
