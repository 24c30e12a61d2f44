"""The running gateway answers as its OpenAPI document says: schemathesis, with all of
its default checks, sends schema-made requests (signed as a partner would) to every
operation of the document the gateway generates from its routes."""

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import positive_data_acceptance

from gateway.openapi import document
from gateway.service import GatewayService
from gateway.signing import signed_headers
from tests.fixtures.platform import SANDBOX

pytestmark = pytest.mark.e2e

schema = schemathesis.openapi.from_dict(document(GatewayService))
PLACEHOLDER = "to-be-signed"
# Cursors are opaque and signed (services/notify/domain/inbox.py): no schema can say
# which strings are real ones, so a made-up cursor is rightly refused (422
# invalid_cursor) and that one check cannot apply to a request carrying one.
OPAQUE = ("cursor", "after")
# So is a Last-Event-ID, which names a notification the stream sent; and schemathesis
# makes header values of letters and digits only, so it cannot meet the UUID pattern
# and calls the "0" it falls back to schema-valid.
OPAQUE_HEADERS = ("Last-Event-ID",)
# A range of days (slots' `from` and `to`) must not end before it starts nor span more
# than 31 days: a rule between two fields, which no schema of one field can say.
RANGES = ("from", "to")


def skipped_checks(case) -> list:
    query, headers = case.query or {}, case.headers or {}
    opaque = any(query.get(name) for name in OPAQUE + RANGES) or any(
        name in headers for name in OPAQUE_HEADERS)
    return [positive_data_acceptance] if opaque else []


@schema.auth(refresh_interval=None, retry_on=[])
class PartnerCredentials:
    """Marks a case as the sandbox partner's; `SigningSession` signs what is sent."""

    def get(self, case, context):
        return SANDBOX[0]

    def set(self, case, app_id, context):
        case.headers.update({"X-App-Id": app_id, "X-Timestamp": PLACEHOLDER,
                             "X-Nonce": PLACEHOLDER, "X-Signature": PLACEHOLDER})


class SigningSession(requests.Session):
    """Signs the request exactly as it goes on the wire: method, target and body bytes.
    A request whose credentials a check took away or spoiled goes as it is."""

    def send(self, request, **kwargs):
        if request.headers.get("X-Signature") == PLACEHOLDER and \
                request.headers.get("X-App-Id") == SANDBOX[0]:
            body = request.body or b""
            request.headers.update(signed_headers(
                *SANDBOX, request.method, request.path_url,
                body.encode() if isinstance(body, str) else body))
        return super().send(request, **kwargs)


@schema.parametrize()
@settings(max_examples=8, derandomize=True, deadline=None,
          suppress_health_check=list(HealthCheck))
def test_the_gateway_answers_as_its_openapi_document_says(case, platform):
    with SigningSession() as session:
        case.call_and_validate(base_url=platform.url, session=session, timeout=10,
                               excluded_checks=skipped_checks(case))


def test_a_document_that_disagrees_with_the_gateway_is_caught(platform):
    # Positive control: the same checks fail when the document promises other answers.
    wrong = document(GatewayService) | {}
    wrong["components"] = {**wrong["components"], "schemas": {
        **wrong["components"]["schemas"],
        "Health": {"type": "object", "properties": {"status": {"enum": ["fine"]}},
                   "required": ["status"]}}}
    case = schemathesis.openapi.from_dict(wrong)["/healthz"]["GET"].Case()
    with pytest.raises(FailureGroup) as caught:
        case.call_and_validate(base_url=platform.url)
    assert [type(e).__name__ for e in caught.value.exceptions] == ["JsonSchemaError"]


def test_schema_made_requests_are_signed_and_served(platform):
    # Control: the signing session makes the generated calls real partner calls.
    case = schema["/v1/citizens"]["POST"].Case(body={
        "partner_user_id": "schemathesis-control", "phone": "+8613812345678", "locale": "en"})
    PartnerCredentials().set(case, SANDBOX[0], None)
    with SigningSession() as session:
        response = case.call(base_url=platform.url, session=session)
    assert response.status_code in (200, 201), response.text
