"""The OpenAPI 3.1 document, generated from the models that validate requests."""

from pydantic.json_schema import models_json_schema

from gateway import schemas

SIGNED = [{"X-App-Id": [], "X-Timestamp": [], "X-Nonce": [], "X-Signature": []}]
ERRORS = {
    "400": "Malformed JSON", "401": "Missing or bad partner credentials",
    "403": "The citizen's assurance level does not allow this yet",
    "404": "Unknown resource, or another partner's citizen",
    "409": "Already done, already booked, fully booked, or the ID number backs "
           "another citizen", "413": "Body too large",
    "429": "Too many failed attempts; see Retry-After",
    "422": "A field is missing, unknown or of the wrong type",
    "502": "A service failed", "503": "An outside system (SMS, registry) is unavailable",
    "504": "A service did not answer in time",
}

# (method, path, summary, request model, success status, response model)
ROUTES = [
    ("post", "/v1/citizens", "Register a partner's user as a citizen (200 if already known)",
     schemas.RegisterCitizen, "201", schemas.Citizen),
    ("get", "/v1/citizens/{citizen_id}", "A citizen's profile, personal data masked",
     None, "200", schemas.Citizen),
    ("post", "/v1/citizens/{citizen_id}/phone-verifications",
     "Text the citizen a six-digit code (valid 5 minutes)", None, "202", schemas.CodeSent),
    ("post", "/v1/citizens/{citizen_id}/phone-verifications/confirm",
     "Confirm the phone with the code: assurance level 1", schemas.ConfirmPhone, "200",
     schemas.Citizen),
    ("post", "/v1/citizens/{citizen_id}/real-name",
     "Match name and ID number against the population registry: assurance level 2",
     schemas.RealName, "200", schemas.Citizen),
    ("post", "/v1/citizens/{citizen_id}/assertions",
     "A signed, short-lived statement of the citizen's id and assurance level",
     schemas.AssertionRequest, "201", schemas.Assertion),
    ("post", "/v1/citizens/{citizen_id}/consents",
     "The citizen lets this partner read attributes for a purpose", schemas.GrantConsent,
     "201", schemas.Consent),
    ("get", "/v1/citizens/{citizen_id}/consents", "This partner's active consents", None,
     "200", schemas.ConsentList),
    ("delete", "/v1/citizens/{citizen_id}/consents/{consent_id}",
     "Revoke a consent (revoking twice is fine)", None, "204", None),
    ("get", "/v1/citizens/{citizen_id}/attributes",
     "Verified attributes in the clear, for a consented purpose (?purpose=&attributes=)",
     None, "200", schemas.Attributes),
    ("get", "/v1/citizens/{citizen_id}/access-log",
     "Who read the citizen's personal data, when and why; hash-chained", None, "200",
     schemas.AccessLog),
    ("post", "/v1/citizens/{citizen_id}/face-verifications",
     "Start face and liveness (level 2 -> 3); valid 10 minutes", None, "201",
     schemas.FaceVerification),
    ("get", "/v1/citizens/{citizen_id}/face-verifications/{verification_id}",
     "The result, as the server obtained it from the provider", None, "200",
     schemas.FaceVerification),
    ("get", "/v1/citizens/{citizen_id}/notifications", "The citizen's inbox, newest first",
     None, "200", schemas.NotificationList),
    ("get", "/v1/fees/catalogue", "Government fees payable through the hub",
     None, "200", schemas.FeeList),
    ("get", "/v1/institutions", "Hospitals and service halls that take appointments",
     None, "200", schemas.InstitutionList),
    ("post", "/v1/citizens/{citizen_id}/payments",
     "Order a fee payment (403 below the fee's required_assurance_level)",
     schemas.CreatePayment, "201", schemas.Payment),
    ("get", "/v1/citizens/{citizen_id}/payments", "The citizen's payment orders, newest first",
     None, "200", schemas.PaymentList),
    ("post", "/v1/citizens/{citizen_id}/appointments",
     "Book a morning or afternoon visit (403 below the institution's required level)",
     schemas.BookAppointment, "201", schemas.Appointment),
    ("get", "/v1/citizens/{citizen_id}/appointments", "The citizen's visits, soonest first",
     None, "200", schemas.AppointmentList),
]


def _ref(model) -> dict:
    return {"$ref": f"#/components/schemas/{model.__name__}"}


def _json(model) -> dict:
    return {"content": {"application/json": {"schema": _ref(model)}}}


def document() -> dict:
    models = {schemas.Error, schemas.Health}
    for _, _, _, request, _, response in ROUTES:
        models.update(m for m in (request, response) if m is not None)
    _, top = models_json_schema([(m, "validation") for m in models],
                                ref_template="#/components/schemas/{model}")
    paths: dict = {}
    for method, path, summary, request, status, response in ROUTES:
        operation = {
            "summary": summary,
            "security": SIGNED,
            "parameters": [{"name": name.strip("{}"), "in": "path", "required": True,
                            "schema": {"type": "string"}}
                           for name in path.split("/") if name.startswith("{")],
            "responses": {status: ({"description": "OK", **_json(response)} if response
                                   else {"description": "Done, no content"}),
                          **{code: {"description": text, **_json(schemas.Error)}
                             for code, text in ERRORS.items()}},
        }
        if request is not None:
            operation["requestBody"] = {"required": True, **_json(request)}
        paths.setdefault(path, {})[method] = operation
    return {
        "openapi": "3.1.0",
        "info": {"title": "CityHub partner API", "version": "1",
                 "description": "Signed calls from super-app partners. See docs/api.md."},
        "servers": [{"url": "http://127.0.0.1:8000"}],
        "paths": paths,
        "components": {
            "schemas": top["$defs"],
            "securitySchemes": {
                name: {"type": "apiKey", "in": "header", "name": name}
                for name in ("X-App-Id", "X-Timestamp", "X-Nonce", "X-Signature")
            },
        },
    }
