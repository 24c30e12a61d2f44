"""Prometheus metrics, and the Nameko extension that records and serves them.

Every process serves `/metrics` on its own port (cityhub/deployables.py).
Labels carry entrypoint names, queue names and status codes: never ids or
personal data, which would both leak and explode the series count.
"""

import logging
import time
from functools import cache

import eventlet
import eventlet.wsgi
from nameko.extensions import DependencyProvider, SharedExtension
from nameko.rpc import Rpc
from nameko.web.handlers import HttpRequestHandler
from prometheus_client import Counter, Gauge, Histogram, make_wsgi_app

from chassis import logs
from chassis.settings import settings_of

log = logging.getLogger(__name__)

LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)

RPC_REQUESTS = Counter("cityhub_rpc_requests_total", "RPC calls handled",
                       ["service", "method", "outcome"])
RPC_LATENCY = Histogram("cityhub_rpc_latency_seconds", "RPC handling time",
                        ["service", "method"], buckets=LATENCY_BUCKETS)
EVENTS_HANDLED = Counter("cityhub_events_handled_total", "Event deliveries handled",
                         ["handler", "outcome"])
EVENT_LATENCY = Histogram("cityhub_event_handler_latency_seconds", "Event handling time",
                          ["handler"], buckets=LATENCY_BUCKETS)
HTTP_REQUESTS = Counter("cityhub_http_requests_total", "HTTP requests answered",
                        ["method", "route", "status"])
HTTP_LATENCY = Histogram("cityhub_http_request_latency_seconds", "HTTP request time",
                         ["method", "route"], buckets=LATENCY_BUCKETS)
OUTBOX_PENDING = Gauge("cityhub_outbox_pending", "Outbox events not yet published",
                       ["service"])
OUTBOX_PUBLISH_FAILURES = Counter("cityhub_outbox_publish_failures_total",
                                  "Outbox publishes the broker refused or missed", ["service"])
DEAD_LETTER_DEPTH = Gauge("cityhub_dead_letter_depth", "Messages in a handler's DLQ", ["queue"])
EVENTS_DEAD_LETTERED = Counter("cityhub_events_dead_lettered_total",
                               "Events moved to a dead-letter queue", ["handler"])
UNROUTED_EVENTS = Gauge("cityhub_unrouted_events",
                        "Events of the last 24 h that matched no binding (a handler's "
                        "binding is missing); see docs/operations.md")
EVENTS_RETRIED = Counter("cityhub_events_retried_total", "Event deliveries scheduled for retry",
                         ["handler"])
NOTIFICATIONS_CAPPED = Counter("cityhub_notifications_capped_total",
                               "Non-critical texts and e-mails not sent: the citizen's daily "
                               "cap was reached (the inbox has them)", ["channel"])
WEBHOOK_ATTEMPTS = Counter("cityhub_webhook_attempts_total",
                           "Deliveries attempted to partners' webhook endpoints", ["outcome"])
WEBHOOK_PENDING = Gauge("cityhub_webhook_pending",
                        "Webhook deliveries waiting to be sent, all partners")
WEBHOOK_ENDPOINTS_PAUSED = Gauge("cityhub_webhook_endpoints_paused",
                                 "Partner endpoints paused after 100 consecutive failures")
PAYMENT_NOTIFICATIONS = Counter("cityhub_payment_notifications_total",
                                "Provider notifications received, by what became of them",
                                ["outcome"])
PAYMENT_AMOUNT_MISMATCHES = Counter("cityhub_payment_amount_mismatches_total",
                                    "Provider messages for an amount other than the order's "
                                    "(refused; each is an incident)")
PAYMENT_TRANSITIONS = Counter("cityhub_payment_transitions_total",
                              "Payment orders moved, by new state and cause", ["state", "cause"])
LATE_PAYMENTS = Counter("cityhub_payment_late_total",
                        "Payments that arrived after their order ended (refunded in full), "
                        "by how the hub learned of them", ["cause"])
PAYMENT_TRADES_WATCHED = Gauge("cityhub_payment_trades_watched",
                               "Trades closed unpaid that the janitor still asks about")
LATE_MONEY_HELD = Gauge("cityhub_payment_late_money_held_cents",
                        "Money paid after its order ended that is not yet given back")
LATE_MONEY_OLDEST = Gauge("cityhub_payment_late_money_oldest_seconds",
                          "How long ago the oldest payment not yet given back was paid")
PAYMENT_PROVIDER_UNKNOWNS = Counter("cityhub_payment_provider_unknown_total",
                                    "Provider calls with no answer (the outcome is unknown, "
                                    "asked again later)", ["call"])
AGENCY_CONFIRMATIONS = Counter("cityhub_agency_confirmations_total",
                               "Write-offs sent to agencies, by outcome", ["outcome"])
AGENCY_REFUND_REQUESTS = Counter("cityhub_agency_refund_requests_total",
                                 "Refunds agencies asked for, by what became of them",
                                 ["outcome"])
AGENCY_UNCONFIRMED_AGE = Gauge("cityhub_agency_unconfirmed_oldest_seconds",
                               "Age of the oldest paid order its agency has not acknowledged")

EVENTS_PUBLISHED = Counter("cityhub_events_published_total",
                           "Events the outbox relay published, by type (what happened: "
                           "appointment.booked, payment.succeeded...)", ["service", "type"])
APPOINTMENT_HOLDS = Counter("cityhub_appointment_holds_total",
                            "Asks for a place, by outcome: held, or the refusal's code",
                            ["outcome"])
AGENCY_MESSAGES = Counter("cityhub_agency_messages_total",
                          "Messages matters sent agencies' approval systems, by kind and "
                          "outcome (sent, refused, unavailable: sent again later)",
                          ["kind", "outcome"])
AGENCY_DECISIONS = Counter("cityhub_agency_decisions_total",
                           "Agencies' decisions matters read, by action and outcome "
                           "(applied, refused, duplicate)", ["action", "outcome"])
MATTERS_DUE = Gauge("cityhub_matters_due", "Open matters by how their current time limit "
                    "stands (on_time, near: within a working day, overdue) and whose "
                    "move it is", ["status", "owner"])
OVERVIEW_SECTIONS = Counter("cityhub_gateway_overview_sections_total",
                            "Sections of citizens' overviews, by section and whether it "
                            "came in time (ok) or was answered unavailable",
                            ["section", "outcome"])
FULL_SLOT_ANSWERS = Counter("cityhub_gateway_full_slot_answers_total",
                            "Holds the gateway refused itself, the slot answered full "
                            "within the second before")


def observe_http(method: str, route: str, status: int, elapsed: float) -> None:
    requests, latency = _http_children(method, route, status)
    requests.inc()
    latency.observe(elapsed)


@cache
def _http_children(method: str, route: str, status: int):
    # Looked up once per route and status (route templates, so a bounded set).
    return HTTP_REQUESTS.labels(method, route, str(status)), HTTP_LATENCY.labels(method, route)


class MetricsServer(SharedExtension):
    """Serves the process's registry on the port the runner put in the config
    (METRICS_PORT); a service run in-process by a test serves none."""

    def start(self):
        self._server = None
        port = self.container.config.get("METRICS_PORT")
        if port is None:
            return
        settings = settings_of(self.container)
        # Not shared (eventlet shares a port by default): two replicas given one
        # metrics port would each answer a random half of the scrapes; the second
        # fails to start instead (cityhub/runner.py gives each replica its own).
        self._sock = eventlet.listen((settings.metrics_host, port), reuse_port=False)
        self._server = self.container.spawn_managed_thread(
            lambda: eventlet.wsgi.server(self._sock, make_wsgi_app(), log_output=False),
            identifier="metrics-server")

    def stop(self):
        if self._server is not None:
            self._server.kill()
            self._sock.close()

    def kill(self):
        self.stop()


class Instrumentation(DependencyProvider):
    """Times every worker of the service, and binds its request id to the logs."""

    server = MetricsServer()

    def setup(self):
        # Labelled children, looked up once per label set instead of per worker.
        self._children: dict[tuple, object] = {}

    def _child(self, metric, *labels):
        key = (metric, labels)
        child = self._children.get(key)
        if child is None:
            child = self._children[key] = metric.labels(*labels)
        return child

    def worker_setup(self, worker_ctx):
        worker_ctx.data_started = time.perf_counter()
        # `data`, not `context_data`: that property makes Nameko mint a call id
        # (a uuid4), which only a worker that calls another service needs.
        logs.bind_request_id(worker_ctx.data.get("request_id"))

    def worker_result(self, worker_ctx, result=None, exc_info=None):
        elapsed = time.perf_counter() - getattr(worker_ctx, "data_started", time.perf_counter())
        entrypoint = worker_ctx.entrypoint
        name = entrypoint.method_name
        if isinstance(entrypoint, Rpc):
            outcome = "ok" if exc_info is None else type(exc_info[1]).__name__
            self._child(RPC_REQUESTS, worker_ctx.service_name, name, outcome).inc()
            self._child(RPC_LATENCY, worker_ctx.service_name, name).observe(elapsed)
        elif isinstance(entrypoint, HttpRequestHandler):
            pass  # the gateway's ApiRoute records the response it actually sent
        else:
            handler = f"{worker_ctx.service_name}.{name}"
            self._child(EVENTS_HANDLED, handler, "ok" if exc_info is None else "error").inc()
            self._child(EVENT_LATENCY, handler).observe(elapsed)

