"""The gateway: the HTTP edge partners call. This class holds what every route needs
(the services it calls, partner auth, kept assertions, the citizen directory, live
streams) and the routes of the gateway itself (health, readiness, the OpenAPI document
and its browsable reference); the partners' routes are in gateway/routes/, a class per
area, mixed in here. Every handler is a few lines: check whose citizen it is, ask one
service, answer."""

from kombu import Connection

from chassis.assertions import AssertionKeys, load_keys
from chassis.crypto import Cipher
from chassis.metrics import Instrumentation
from chassis.redis_client import Redis
from chassis.rpc import ServiceRpc
from chassis.settings import FromSettings, SettingsProvider, amqp_addresses
from gateway import docs, openapi, schemas
from gateway.assertions import Assertions
from gateway.auth import Partners
from gateway.catalogue_levels import CatalogueLevels
from gateway.directory import CitizenDirectory
from gateway.entrypoint import api
from gateway.hold_lines import HoldLines
from gateway.routes.appointments import AppointmentRoutes
from gateway.routes.citizens import CitizenRoutes
from gateway.routes.matters import MatterRoutes
from gateway.routes.notifications import NotificationRoutes
from gateway.routes.payments import PaymentRoutes
from gateway.streams import LiveStreams

READY_TIMEOUT = 1.0


class GatewayService(CitizenRoutes, NotificationRoutes, MatterRoutes, PaymentRoutes,
                     AppointmentRoutes):
    name = "gateway"

    identity = ServiceRpc("identity")
    payments = ServiceRpc("payments")
    appointments = ServiceRpc("appointments")
    notify = ServiceRpc("notify")
    matters = ServiceRpc("matters")
    settings = SettingsProvider()
    redis = Redis()
    directory = CitizenDirectory()
    catalogue_levels = CatalogueLevels()
    partners = Partners()
    streams = LiveStreams()
    assertion_keys = AssertionKeys()
    assertions = Assertions()
    hold_lines = HoldLines()
    receipt_keys = FromSettings(lambda settings: load_keys(settings.receipt_keys))
    cipher = Cipher()
    instrumentation = Instrumentation()

    @api("GET", "/healthz", signed=False, probe=True, answers={200: schemas.Health})
    def healthz(self, request):
        """The process is alive."""
        return 200, {"status": "ok"}

    @api("GET", "/readyz", signed=False, probe=True,
         answers={200: schemas.Readiness, 503: schemas.Readiness})
    def readyz(self, request):
        """The broker, Redis and every service answer (503 names what is down)."""
        checks = {"broker": self._check(self._broker_answers),
                  "redis": self._check(self.redis.ping)}
        for service in self._services_called():
            checks[service] = self._check(getattr(self, service).with_timeout(READY_TIMEOUT).ping)
        down = sorted(name for name, state in checks.items() if state != "ok")
        if down:
            return 503, {"status": "unavailable", "down": down, "checks": checks}
        return 200, {"status": "ready", "checks": checks}

    @api("GET", "/v1/openapi.json", signed=False, answers={200: None})
    def openapi_document(self, request):
        """This document."""
        return 200, openapi.document(type(self))

    @api("GET", "/docs", signed=False, answers={200: "text/html"})
    def reference(self, request):
        """This document, browsable, with a quick start (no CDN: every file is served
        from here)."""
        return docs.page()

    @api("GET", "/docs/assets/<name>", signed=False,
         answers={200: "text/javascript"})
    def reference_asset(self, request, name):
        """A file the browsable reference needs."""
        return docs.asset(name)

    def _as_citizen(self, partner_id, citizen_id, call):
        """`call(token)` with identity's signed word on the citizen's level, which the
        service checks against what it requires (kept a while: gateway/assertions.py;
        another partner's citizen: 404 from identity)."""
        return self.assertions.on_behalf(self.identity, partner_id, citizen_id, call)

    def _levels(self, of: str) -> dict | None:
        """The catalogue's levels for fees or bookings (gateway/catalogue_levels.py)."""
        levels = self.catalogue_levels.current(self.matters)
        return levels[of] if levels else None

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
            connection.ensure_connection(max_retries=len(amqp_addresses(self.settings.amqp_uri)))

    @staticmethod
    def _check(probe) -> str:
        try:
            probe()
            return "ok"
        except Exception as exc:  # noqa: BLE001 - any failure means "not ready"
            return f"down: {type(exc).__name__}"
