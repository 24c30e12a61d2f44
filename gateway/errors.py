"""The one JSON error shape: {"error": {"code", "message", "field", "request_id"}}."""

import json
import logging
import random

from nameko.exceptions import RemoteError
from pydantic import ValidationError
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

from contracts.errors import BadRequestBody, CityHubError, InvalidInput

log = logging.getLogger(__name__)


def new_request_id() -> str:
    # An id only has to be unique, not unguessable: no system call for randomness.
    return f"{random.getrandbits(128):032x}"


def json_response(status: int, payload, headers: dict | None = None) -> Response:
    return Response(json.dumps(payload, ensure_ascii=False), status=status,
                    headers=headers, mimetype="application/json")


def error_response(status: int, code: str, message: str, request_id: str,
                   field: str | None = None, headers: dict | None = None) -> Response:
    body = {"error": {"code": code, "message": message, "field": field,
                      "request_id": request_id}}
    return json_response(status, body, headers)


def invalid_input(exc: ValidationError) -> InvalidInput:
    """Pydantic's first complaint as a typed error. Pydantic's own text would
    carry the rejected value (maybe a phone number) into logs: it is dropped."""
    first = _likeliest_branch(exc.errors())[0]
    # A body that is one of several shapes (an order: PayBill | PayFee) puts the
    # branch's model name in the location; partners know only the field.
    field = ".".join(str(part) for part in first["loc"]
                     if not (isinstance(part, str) and part[:1].isupper())) or None
    if first["type"] == "extra_forbidden":
        return InvalidInput("this field is not part of the request", field, "unknown_field")
    if first["type"] == "json_invalid":
        return BadRequestBody("the body is not valid JSON", None, "invalid_json")
    if first["type"] == "missing":
        return InvalidInput("this field is required", field, "missing_field")
    return InvalidInput(first["msg"], field)


def _likeliest_branch(errors: list[dict]) -> list[dict]:
    """For a body of several shapes, the complaints about the shape it was nearest (the
    fewest): a fee order with a bad amount is told of its amount, not that a bill order
    would need a bill_id."""
    branches: dict[str, list[dict]] = {}
    for error in errors:
        head = error["loc"][0] if error["loc"] else None
        key = head if isinstance(head, str) and head[:1].isupper() else ""
        branches.setdefault(key, []).append(error)
    return min(branches.values(), key=len)


def response_for(exc: Exception, request_id: str) -> Response:
    """Map any exception a route raised to the error shape."""
    if isinstance(exc, CityHubError):
        retry_after = getattr(exc, "retry_after", None)
        headers = {"Retry-After": str(retry_after)} if retry_after else None
        return error_response(exc.status, exc.code, exc.message, request_id, exc.field,
                              headers)
    if isinstance(exc, HTTPException):
        code = {404: "route_not_found", 405: "method_not_allowed",
                413: "body_too_large"}.get(exc.code, "bad_request")
        allowed = getattr(exc, "valid_methods", None)
        headers = {"Allow": ", ".join(sorted(allowed))} if allowed else None
        return error_response(exc.code, code, exc.description or exc.name, request_id,
                              headers=headers)
    if isinstance(exc, RemoteError):
        log.error("a service failed: %s", exc.exc_type)
        return error_response(502, "upstream_error", "a service behind the gateway failed",
                              request_id)
    log.exception("unhandled error in the gateway")
    return error_response(500, "internal_error", "something went wrong on our side",
                          request_id)
