from kombu import Connection
from pydantic import ValidationError
from werkzeug.wrappers import Response

from chassis.assertions import AssertionKeys, jwks
from chassis.crypto import Cipher, transit
from chassis.metrics import Instrumentation
from chassis.redis_client import Redis
from chassis.rpc import ServiceRpc
from chassis.settings import SettingsProvider
from gateway import openapi, schemas
from gateway.directory import CitizenDirectory
from gateway.entrypoint import api
from gateway.errors import invalid_input

READY_TIMEOUT = 1.0


def body_of(request, model):
    """The validated body, or InvalidInput naming the field (never echoing the value)."""
    try:
        return model.model_validate_json(request.get_data(cache=True) or b"{}")
    except ValidationError as exc:
        raise invalid_input(exc) from None


class GatewayService:
    name = "gateway"

    identity = ServiceRpc("identity")
    payments = ServiceRpc("payments")
    appointments = ServiceRpc("appointments")
    notify = ServiceRpc("notify")
    settings = SettingsProvider()
    redis = Redis()
    directory = CitizenDirectory()
    assertion_keys = AssertionKeys()
    cipher = Cipher()
    instrumentation = Instrumentation()

    @api("GET", "/healthz", signed=False, probe=True)
    def healthz(self, request):
        return 200, {"status": "ok"}

    @api("GET", "/readyz", signed=False, probe=True)
    def readyz(self, request):
        checks = {"broker": self._check(self._broker_answers),
                  "redis": self._check(self.redis.ping)}
        for service in self._services_called():
            checks[service] = self._check(getattr(self, service).with_timeout(READY_TIMEOUT).ping)
        down = sorted(name for name, state in checks.items() if state != "ok")
        if down:
            return 503, {"status": "unavailable", "down": down, "checks": checks}
        return 200, {"status": "ready", "checks": checks}

    @api("GET", "/v1/openapi.json", signed=False)
    def openapi_document(self, request):
        return 200, openapi.document()

    @api("POST", "/v1/citizens")
    def register_citizen(self, request, partner_id):
        body = body_of(request, schemas.RegisterCitizen)
        citizen = self.identity.register_citizen(
            partner_id, body.partner_user_id, self.cipher.seal(body.phone, transit("phone")),
            body.locale)
        self.directory.remember(citizen["citizen_id"], partner_id)
        created = citizen.pop("created")
        return (201 if created else 200), citizen

    @api("GET", "/v1/citizens/<citizen_id>")
    def get_citizen(self, request, partner_id, citizen_id):
        citizen = self.identity.get_citizen(partner_id, citizen_id)
        self.directory.remember(citizen_id, partner_id)
        return 200, citizen

    @api("POST", "/v1/citizens/<citizen_id>/phone-verifications")
    def start_phone_verification(self, request, partner_id, citizen_id):
        return 202, self.identity.start_phone_verification(partner_id, citizen_id)

    @api("POST", "/v1/citizens/<citizen_id>/phone-verifications/confirm")
    def confirm_phone(self, request, partner_id, citizen_id):
        body = body_of(request, schemas.ConfirmPhone)
        return 200, self.identity.confirm_phone(partner_id, citizen_id, body.code)

    @api("POST", "/v1/citizens/<citizen_id>/real-name")
    def verify_real_name(self, request, partner_id, citizen_id):
        body = body_of(request, schemas.RealName)
        return 200, self.identity.verify_real_name(
            partner_id, citizen_id, self.cipher.seal(body.name, transit("name")),
            self.cipher.seal(body.id_number, transit("id_number")))

    @api("POST", "/v1/citizens/<citizen_id>/assertions")
    def issue_assertion(self, request, partner_id, citizen_id):
        body = body_of(request, schemas.AssertionRequest)
        return 201, self.identity.issue_assertion(partner_id, citizen_id, body.audience)

    @api("GET", "/v1/.well-known/jwks.json", signed=False)
    def jwks(self, request):
        return 200, jwks(self.assertion_keys.keys)

    @api("POST", "/v1/citizens/<citizen_id>/consents")
    def grant_consent(self, request, partner_id, citizen_id):
        body = body_of(request, schemas.GrantConsent)
        return 201, self.identity.grant_consent(partner_id, citizen_id, body.attributes,
                                                body.purpose)

    @api("GET", "/v1/citizens/<citizen_id>/consents")
    def list_consents(self, request, partner_id, citizen_id):
        return 200, {"items": self.identity.list_consents(partner_id, citizen_id)}

    @api("DELETE", "/v1/citizens/<citizen_id>/consents/<consent_id>")
    def revoke_consent(self, request, partner_id, citizen_id, consent_id):
        self.identity.revoke_consent(partner_id, citizen_id, consent_id)
        return Response(status=204)

    @api("GET", "/v1/citizens/<citizen_id>/attributes")
    def read_attributes(self, request, partner_id, citizen_id):
        wanted = [a for a in request.args.get("attributes", "").split(",") if a]
        result = self.identity.read_attributes(partner_id, citizen_id, wanted,
                                               request.args.get("purpose", ""))
        result["attributes"] = {
            name: self.cipher.open(value, transit(name)) if value else None
            for name, value in result["attributes"].items()}
        return 200, result

    @api("GET", "/v1/citizens/<citizen_id>/access-log")
    def access_log(self, request, partner_id, citizen_id):
        return 200, self.identity.access_log(partner_id, citizen_id)

    @api("POST", "/v1/citizens/<citizen_id>/face-verifications")
    def start_face_verification(self, request, partner_id, citizen_id):
        return 201, self.identity.start_face_verification(partner_id, citizen_id)

    @api("GET", "/v1/citizens/<citizen_id>/face-verifications/<verification_id>")
    def get_face_verification(self, request, partner_id, citizen_id, verification_id):
        return 200, self.identity.get_face_verification(partner_id, citizen_id,
                                                        verification_id)

    @api("GET", "/v1/citizens/<citizen_id>/notifications")
    def list_notifications(self, request, partner_id, citizen_id):
        self._check_owner(partner_id, citizen_id)
        return 200, {"items": self.notify.list_notifications(citizen_id)}

    @api("GET", "/v1/fees/catalogue")
    def fee_catalogue(self, request, partner_id):
        return 200, {"items": self.payments.list_fees()}

    @api("GET", "/v1/institutions")
    def institutions(self, request, partner_id):
        kind = request.args.get("kind")
        return 200, {"items": self.appointments.list_institutions(kind)}

    @api("POST", "/v1/citizens/<citizen_id>/payments")
    def create_payment(self, request, partner_id, citizen_id):
        body = body_of(request, schemas.CreatePayment)
        return 201, self.payments.create_payment(
            citizen_id, self._assertion(partner_id, citizen_id, "payments"), body.fee_code,
            body.amount_cents, body.reference)

    @api("GET", "/v1/citizens/<citizen_id>/payments")
    def list_payments(self, request, partner_id, citizen_id):
        self._check_owner(partner_id, citizen_id)
        return 200, {"items": self.payments.list_payments(citizen_id)}

    @api("POST", "/v1/citizens/<citizen_id>/appointments")
    def book_appointment(self, request, partner_id, citizen_id):
        body = body_of(request, schemas.BookAppointment)
        return 201, self.appointments.book(
            citizen_id, self._assertion(partner_id, citizen_id, "appointments"),
            body.institution_id, body.day.isoformat(), body.period)

    @api("GET", "/v1/citizens/<citizen_id>/appointments")
    def list_appointments(self, request, partner_id, citizen_id):
        self._check_owner(partner_id, citizen_id)
        return 200, {"items": self.appointments.list_appointments(citizen_id)}

    def _assertion(self, partner_id, citizen_id, audience):
        """Identity's signed word on the citizen's level, which the service checks
        against what it requires (another partner's citizen: 404 from identity)."""
        return self.identity.issue_assertion(partner_id, citizen_id, audience)["token"]

    def _check_owner(self, partner_id, citizen_id):
        """Another partner's citizen is a 404, exactly like one that does not exist."""
        if self.directory.owner_of(citizen_id) != partner_id:
            self.identity.get_citizen(partner_id, citizen_id)  # raises NotFound
            self.directory.remember(citizen_id, partner_id)

    @classmethod
    def _services_called(cls) -> list[str]:
        """Every service the gateway calls is one readiness waits for."""
        return [name for name, value in vars(cls).items() if isinstance(value, ServiceRpc)]

    def _broker_answers(self):
        with Connection(self.settings.amqp_uri,
                        connect_timeout=READY_TIMEOUT) as connection:
            connection.ensure_connection(max_retries=1)

    @staticmethod
    def _check(probe) -> str:
        try:
            probe()
            return "ok"
        except Exception as exc:  # noqa: BLE001 - any failure means "not ready"
            return f"down: {type(exc).__name__}"
