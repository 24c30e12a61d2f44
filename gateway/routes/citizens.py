"""A partner's citizens: registering them, proving who they are (phone, real name,
face), their consents and access log, assertions, and the overview of everything in
flight for them.

Routes of GatewayService (gateway/service.py), which holds their dependencies:
each handler checks whose citizen it is, asks one service and answers.
"""

from werkzeug.wrappers import Response

from chassis.assertions import jwks
from chassis.crypto import transit
from gateway import overview, schemas
from gateway.entrypoint import api


class CitizenRoutes:
    @api("POST", "/v1/citizens", body=schemas.RegisterCitizen,
         answers={201: schemas.Citizen, 200: schemas.Citizen})
    def register_citizen(self, request, partner_id, body):
        """Register a partner's user as a citizen (200 and the same citizen if already known)."""
        citizen = self.identity.register_citizen(
            partner_id, body.partner_user_id, self.cipher.seal(body.phone, transit("phone")),
            body.locale)
        self.directory.remember(citizen["citizen_id"], partner_id)
        created = citizen.pop("created")
        return (201 if created else 200), citizen

    @api("GET", "/v1/citizens/<citizen_id>", answers={200: schemas.Citizen})
    def get_citizen(self, request, partner_id, citizen_id):
        """A citizen's profile, personal data masked."""
        citizen = self.identity.get_citizen(partner_id, citizen_id)
        self.directory.remember(citizen_id, partner_id)
        return 200, citizen

    @api("GET", "/v1/citizens/<citizen_id>/overview", answers={200: schemas.Overview})
    def citizen_overview(self, request, partner_id, citizen_id):
        """Everything the city is doing for the citizen, in one answer: assurance level,
        bills due, payments in flight, visits to come, open matters, unread
        notifications. A section whose service is slow or down comes back
        {"status": "unavailable"} within its deadline, the rest complete."""
        found = overview.gather({
            "identity": lambda t: self.identity.with_timeout(t).overview(partner_id,
                                                                         citizen_id),
            "payments": lambda t: self.payments.with_timeout(t).overview(citizen_id),
            "appointments": lambda t: self.appointments.with_timeout(t).overview(citizen_id),
            "matters": lambda t: self.matters.with_timeout(t).overview(citizen_id),
            "notifications": lambda t: self.notify.with_timeout(t).overview(citizen_id),
        }, self.settings.overview_section_seconds)
        answer = overview.overview(found, citizen_id,
                                   self.directory.owner_of(citizen_id) == partner_id)
        if not isinstance(found["identity"], Exception):
            self.directory.remember(citizen_id, partner_id)
        return 200, answer

    @api("POST", "/v1/citizens/<citizen_id>/phone-verifications", sensitive=True,
         answers={202: schemas.CodeSent})
    def start_phone_verification(self, request, partner_id, citizen_id):
        """Text the citizen a six-digit code (valid 5 minutes)."""
        return 202, self.identity.start_phone_verification(partner_id, citizen_id)

    @api("POST", "/v1/citizens/<citizen_id>/phone-verifications/confirm",
         body=schemas.ConfirmPhone, sensitive=True, answers={200: schemas.Citizen})
    def confirm_phone(self, request, partner_id, citizen_id, body):
        """Confirm the phone with the code: assurance level 1."""
        return 200, self.identity.confirm_phone(partner_id, citizen_id, body.code)

    @api("POST", "/v1/citizens/<citizen_id>/email", body=schemas.AddEmail, sensitive=True,
         answers={202: schemas.CodeSent})
    def start_email_verification(self, request, partner_id, citizen_id, body):
        """Mail a six-digit code to the address (valid 5 minutes)."""
        return 202, self.identity.start_email_verification(
            partner_id, citizen_id, self.cipher.seal(body.address, transit("email")))

    @api("POST", "/v1/citizens/<citizen_id>/email/confirm", body=schemas.ConfirmPhone,
         sensitive=True, answers={200: schemas.Citizen})
    def confirm_email(self, request, partner_id, citizen_id, body):
        """Confirm the address with the mailed code: notifications can be mailed to it."""
        return 200, self.identity.confirm_email(partner_id, citizen_id, body.code)

    @api("POST", "/v1/citizens/<citizen_id>/real-name", body=schemas.RealName,
         sensitive=True, answers={200: schemas.Citizen})
    def verify_real_name(self, request, partner_id, citizen_id, body):
        """Match name and ID number against the population registry: assurance level 2."""
        return 200, self.identity.verify_real_name(
            partner_id, citizen_id, self.cipher.seal(body.name, transit("name")),
            self.cipher.seal(body.id_number, transit("id_number")))

    @api("POST", "/v1/citizens/<citizen_id>/assertions", body=schemas.AssertionRequest,
         answers={201: schemas.Assertion})
    def issue_assertion(self, request, partner_id, citizen_id, body):
        """A signed, short-lived statement of the citizen's id and assurance level."""
        return 201, self.identity.issue_assertion(partner_id, citizen_id, body.audience)

    @api("GET", "/v1/.well-known/jwks.json", signed=False,
         answers={200: schemas.JsonWebKeySet})
    def jwks(self, request):
        """The public keys that verify assertions."""
        return 200, {"keys": jwks(self.assertion_keys.keys)["keys"]
                     + jwks(self.receipt_keys)["keys"]}

    @api("POST", "/v1/citizens/<citizen_id>/consents", body=schemas.GrantConsent,
         answers={201: schemas.Consent, 200: schemas.Consent})
    def grant_consent(self, request, partner_id, citizen_id, body):
        """The citizen lets this partner read attributes for a purpose (200: this
        consent is already active)."""
        granted = self.identity.grant_consent(partner_id, citizen_id, body.attributes,
                                              body.purpose)
        return (201 if granted["created"] else 200), granted["consent"]

    @api("GET", "/v1/citizens/<citizen_id>/consents", answers={200: schemas.ConsentList})
    def list_consents(self, request, partner_id, citizen_id):
        """This partner's active consents."""
        return 200, {"items": self.identity.list_consents(partner_id, citizen_id)}

    @api("DELETE", "/v1/citizens/<citizen_id>/consents/<consent_id>", answers={204: None})
    def revoke_consent(self, request, partner_id, citizen_id, consent_id):
        """Revoke a consent (revoking twice is fine)."""
        self.identity.revoke_consent(partner_id, citizen_id, consent_id)
        return Response(status=204)

    @api("GET", "/v1/citizens/<citizen_id>/attributes", query=schemas.AttributesQuery,
         answers={200: schemas.Attributes})
    def read_attributes(self, request, partner_id, citizen_id, query):
        """Verified attributes in the clear, for a consented purpose; every read is logged."""
        result = self.identity.read_attributes(partner_id, citizen_id,
                                               query.attributes.split(","), query.purpose)
        result["attributes"] = {
            name: self.cipher.open(value, transit(name)) if value else None
            for name, value in result["attributes"].items()}
        return 200, result

    @api("GET", "/v1/citizens/<citizen_id>/access-log", answers={200: schemas.AccessLog})
    def access_log(self, request, partner_id, citizen_id):
        """Who read the citizen's personal data, when and why; hash-chained."""
        return 200, self.identity.access_log(partner_id, citizen_id)

    @api("POST", "/v1/citizens/<citizen_id>/face-verifications", sensitive=True,
         answers={201: schemas.FaceVerification})
    def start_face_verification(self, request, partner_id, citizen_id):
        """Start face and liveness (level 2 -> 3); valid 10 minutes."""
        return 201, self.identity.start_face_verification(partner_id, citizen_id)

    @api("GET", "/v1/citizens/<citizen_id>/face-verifications/<verification_id>",
         answers={200: schemas.FaceVerification})
    def get_face_verification(self, request, partner_id, citizen_id, verification_id):
        """The result, as the server itself obtained it from the provider."""
        return 200, self.identity.get_face_verification(partner_id, citizen_id,
                                                        verification_id)
