"""The OpenAPI 3.1 document, generated from the routes that serve the requests.

Every `@api` route declares its body and query models and its successful answers
(gateway/entrypoint.py); the gateway validates requests with those same models. So a
route, a parameter or a rule cannot be served without being in the document, nor
documented without being served. `tests/e2e/test_openapi_conformance.py` runs
schemathesis against the document and the running gateway.
"""

import re
from functools import cache

from pydantic.json_schema import models_json_schema

from gateway import headers, schemas
from gateway.entrypoint import ApiRoute

SIGNATURE_HEADERS = ("X-App-Id", "X-Timestamp", "X-Nonce", "X-Signature")
SIGNED = [{name: [] for name in SIGNATURE_HEADERS}]
# What any route can answer besides its own successes (docs/api.md lists the codes).
HTTP_ERRORS = {
    "400": "Malformed HTTP or JSON, or a header out of its format (bad_request, "
           "invalid_json, invalid_header)",
    "408": "The headers or the body did not arrive in time",
    "411": "A body without Content-Length (chunked bodies are not accepted)",
    "414": "A request line over 8 KiB",
    "431": "A header line over 8 KiB, or more than 100 headers",
    "503": "Temporarily unavailable: busy, too many connections, or a dependency is down; "
           "see Retry-After",
    "505": "Only HTTP/1.0 and 1.1 are spoken",
}
SIGNED_ERRORS = {
    "401": "Missing or bad partner credentials",
    "403": "The citizen's assurance level does not allow this yet, or no consent",
    "404": "Unknown resource, or another partner's citizen",
    "409": "Already done, already booked, fully booked, or the ID number backs "
           "another citizen",
    "413": "Body too large",
    "422": ("A field is missing, unknown, given twice (duplicate_key) or of the wrong "
            "type, or a rule refused it"),
    "429": "Too many failed attempts, or over a rate limit; see Retry-After",
    "502": "A service failed",
    "504": "A service did not answer in time; the work may have been done",
}
# What an unsigned route that takes a body can answer besides (receipt verification).
BODY_ERRORS = {key: SIGNED_ERRORS[key] for key in ("413", "422", "502", "504")}
# ... and one with rate limits of its own (the progress query).
LIMITED_ERRORS = BODY_ERRORS | {"404": "Not found",
                                "429": "Over a rate limit; see Retry-After"}
# Every answer of a rate-limited route says where the caller stands (docs/api.md).
RATE_LIMIT_HEADERS = {
    "RateLimit-Policy": {"description": 'The quotas counted: "name";q=requests;w=seconds',
                         "schema": {"type": "string"}},
    "RateLimit": {"description": 'What is left of each: "name";r=remaining;t=seconds to '
                                 "the window's end", "schema": {"type": "string"}}}


def routes(service_cls) -> list[tuple[ApiRoute, str]]:
    """The service's routes with their handlers' summaries, in path order."""
    found = []
    for name in dir(service_cls):
        handler = getattr(service_cls, name)
        for entrypoint in getattr(handler, "nameko_entrypoints", ()):
            if isinstance(entrypoint, ApiRoute) and not entrypoint.callback:
                summary = (handler.__doc__ or name).strip().splitlines()[0]
                found.append((entrypoint, summary))
    return sorted(found, key=lambda route: (route[0].url, route[0].method))


def openapi_path(url: str) -> str:
    """/a/<uuid:b> -> /a/{b}"""
    return re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", url)


def _ref(model) -> dict:
    return {"$ref": f"#/components/schemas/{model.__name__}"}


def _json(schema: dict) -> dict:
    return {"content": {"application/json": {"schema": schema}}}


def _query_parameters(model) -> list[dict]:
    schema = model.model_json_schema()
    parameters = []
    for name, prop in schema["properties"].items():
        # An optional parameter is one that is left out, never one sent as null.
        branches = [b for b in prop.get("anyOf", [prop]) if b.get("type") != "null"]
        value = {k: v for k, v in branches[0].items() if k != "title"}
        parameters.append({"name": name, "in": "query",
                           "required": name in schema.get("required", []),
                           "description": prop.get("description", ""), "schema": value})
    return parameters


def _answer(status: int, model) -> dict:
    if isinstance(model, str):  # a media type of its own, e.g. text/event-stream
        return {"description": "OK", "content": {model: {"schema": {"type": "string"}}}}
    if model is not None:
        return {"description": "OK", **_json(_ref(model))}
    if status == 204:
        return {"description": "No content"}
    return {"description": "OK", **_json({"type": "object"})}


def _operation(route: ApiRoute, summary: str) -> dict:
    path_names = [part[1:-1] for part in openapi_path(route.url).split("/")
                  if part.startswith("{")]
    uuids = set(re.findall(r"<uuid:(\w+)>", route.url))
    parameters = [{"name": name, "in": "path", "required": True,
                   "schema": ({"type": "string", "format": "uuid"} if name in uuids
                              else {"type": "string", "minLength": 1})}
                  for name in path_names]
    if route.query is not None:
        parameters += _query_parameters(route.query)
    declared = {"X-Request-Id": headers.REQUEST_ID_DESCRIPTION, **route.headers}
    parameters += [{"name": name, "in": "header", "required": False, "description": text,
                    "schema": headers.SCHEMAS.get(name, {"type": "string"})}
                   for name, text in declared.items()]
    responses = {str(status): _answer(status, model) for status, model in route.answers.items()}
    errors = HTTP_ERRORS | (SIGNED_ERRORS if route.signed else
                            LIMITED_ERRORS if route.public_limits is not None else
                            BODY_ERRORS if route.body is not None else {})
    if path_names and not route.signed:
        errors = errors | {"404": "No such resource"}
    for status, text in errors.items():
        responses.setdefault(status, {"description": text, **_json(_ref(schemas.Error))})
    if route.signed or route.public_limits is not None:
        for answer in responses.values():
            answer["headers"] = RATE_LIMIT_HEADERS
    operation = {"summary": summary, "security": SIGNED if route.signed else [],
                 "parameters": parameters, "responses": responses}
    if route.body is not None:
        operation["requestBody"] = {"required": True, **_json(_ref(route.body))}
    return operation


@cache
def document(service_cls) -> dict:
    found = routes(service_cls)
    models = {schemas.Error}
    for route, _ in found:
        models.update(m for m in (route.body, *route.answers.values())
                      if m is not None and not isinstance(m, str))
    _, top = models_json_schema(
        [(m, "validation") for m in sorted(models, key=lambda m: m.__name__)],
        ref_template="#/components/schemas/{model}")
    paths: dict = {}
    for route, summary in found:
        paths.setdefault(openapi_path(route.url), {})[route.method.lower()] = _operation(
            route, summary)
    return {
        "openapi": "3.1.0",
        "info": {"title": "CityHub partner API", "version": "1",
                 "description": "Signed calls from super-app partners. See docs/api.md."},
        "servers": [{"url": "http://127.0.0.1:8000"}],
        "paths": paths,
        "components": {
            "schemas": top["$defs"],
            "securitySchemes": {name: {"type": "apiKey", "in": "header", "name": name}
                                for name in SIGNATURE_HEADERS},
        },
    }
