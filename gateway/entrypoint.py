"""`@api(...)`: Nameko's @http, with partner auth, request ids, deadlines and one error shape.

A signed route authenticates the partner before a worker is spawned, so a
handler never runs for an unauthenticated call and receives `partner_id` as a
keyword argument. Handlers return `(status, body)`; errors of any kind become
the JSON error shape; every response carries X-Request-Id.

Every request has a deadline from its arrival: its body must arrive within the
read timeout, and it must get a worker within `http_queue_seconds`, or it is
answered 503 at once and never started later (Nameko's spawn_worker waits for a
free worker for ever, so requests whose callers had long given up used to run
after an outage). Health and readiness probes have workers of their own and
never wait behind business requests.
"""

import re
import time
from functools import partial

import eventlet
from eventlet.event import Event
from eventlet.semaphore import Semaphore
from nameko.web.handlers import HttpRequestHandler
from nameko.web.server import WebServer, WsgiApp
from pydantic import ValidationError
from werkzeug.exceptions import HTTPException
from werkzeug.routing import Map
from werkzeug.wrappers import Request, Response

from chassis import logs, metrics
from chassis.settings import settings_of
from contracts import formats
from contracts.errors import CityHubError, RequestTimeout, ServiceUnavailable
from gateway import duplicates, rate_limits
from gateway.auth import PartnerAuthenticator
from gateway.errors import invalid_input, json_response, new_request_id, response_for
from gateway.headers import check as check_headers
from gateway.http_protocol import CLOSE_AFTER_RESPONSE, GatewayProtocol, closing_error

CLIENT_REQUEST_ID = re.compile(formats.REQUEST_ID)
# Workers kept for /healthz and /readyz out of the container's max_workers.
PROBE_WORKERS = 2


def request_id_of(request) -> str:
    given = request.headers.get("X-Request-Id", "")
    return given if CLIENT_REQUEST_ID.match(given) else new_request_id()


class JsonWsgiApp(WsgiApp):
    """Unknown routes and wrong methods get the error shape too, not an HTML page."""

    def __init__(self, server):
        super().__init__(server)
        # One adapter for every request: the routes match on path and method only
        # (no hosts, no subdomains), and binding one per request cost more than
        # the match.
        self.adapter = self.url_map.bind("gateway")

    def __call__(self, environ, start_response):
        request = Request(environ, shallow=True)
        # WSGI hands the path over as latin-1; it was sent as UTF-8.
        path = environ.get("PATH_INFO", "").encode("latin-1").decode("utf-8", "replace")
        try:
            provider, values = self.adapter.match(path, environ["REQUEST_METHOD"])
        except HTTPException as exc:
            request_id = request_id_of(request)
            response = response_for(exc, request_id)
            response.headers["X-Request-Id"] = request_id
            return response(environ, start_response)
        request.path_values = values
        return provider.handle_request(request)(environ, start_response)


class JsonWebServer(WebServer):
    """Nameko's web server with read timeouts, a connection cap and worker admission.

    Its socket is SO_REUSEPORT (eventlet.listen's default on Linux): several gateway
    processes listen on one port and the kernel spreads connections between them
    (`CITYHUB_GATEWAY_PROCESSES`, docs/operations.md)."""

    def setup(self):
        settings = settings_of(self.container)
        self.read_timeout = settings.http_read_timeout_seconds
        self.queue_seconds = settings.http_queue_seconds
        self.connections = Semaphore(settings.http_max_connections)
        self.admission = Semaphore(max(1, self.container.max_workers - PROBE_WORKERS))
        super().setup()

    def make_url_map(self):
        # No merging of slashes: `/v1//fees` is a 404 in the error shape, not a
        # redirect to a host name the client never used.
        url_map = Map(merge_slashes=False)
        for provider in self._providers:
            rule = provider.get_url_rule()
            rule.endpoint = provider
            url_map.add(rule)
        return url_map

    def get_wsgi_app(self):
        return JsonWsgiApp(self)

    def get_wsgi_server(self, sock, wsgi_app, protocol=GatewayProtocol, debug=False):
        server = super().get_wsgi_server(sock, wsgi_app, protocol=protocol, debug=debug)
        server.socket_timeout = self.read_timeout  # every read and write after the headers
        server.read_timeout = self.read_timeout  # the request line and headers together
        return server

    def run(self):
        while self._is_accepting:
            sock, address = self._sock.accept()
            sock.settimeout(self.read_timeout)
            if not self.connections.acquire(blocking=False):
                self.container.spawn_managed_thread(partial(turn_away, sock))
                continue
            self.container.spawn_managed_thread(partial(self._serve, sock, address))

    def _serve(self, sock, address):
        try:
            self.process_request(sock, address)
        finally:
            self.connections.release()


def turn_away(sock) -> None:
    """Too many connections: say so in the error shape and close."""
    try:
        sock.sendall(closing_error(503, "temporarily_unavailable",
                                   "the gateway has too many connections; try again shortly",
                                   {"Retry-After": "1"}))
    except OSError:
        pass
    finally:
        sock.close()


class ApiRoute(HttpRequestHandler):
    server = JsonWebServer()
    authenticator = PartnerAuthenticator()

    def __init__(self, method, url, signed=True, probe=False, body=None, query=None,
                 answers=None, headers=None, callback=False, sensitive=False,
                 public_limits=None, expected_exceptions=CityHubError, **kwargs):
        """The route's contract, from which the OpenAPI document is built:

        `body`, `query`: pydantic models; the handler gets the validated values as
        `body=` and `query=` (a bad one is 400/422 before any worker runs).
        `answers`: {status: response model, a media type, or None} for its successes.
        `headers`: {name: description} of optional request headers it reads.
        `probe`: a health or readiness route, which has workers of its own.
        `callback`: an outside system's call back (a carrier's receipts), signed its
        own way and left out of the partners' OpenAPI document.
        `sensitive`: counted in the partner's rate limit for the citizen of the path too.
        `public_limits(request, kwargs)`: an unsigned route's [(policy, subject)] to
        count it in (gateway/rate_limits.py).
        """
        self.sensitive = sensitive
        self.public_limits = public_limits
        self.signed = signed
        self.callback = callback
        self.probe = probe
        self.body = body
        self.query = query
        self.answers = answers or {}
        self.headers = headers or {}
        super().__init__(method, url, expected_exceptions=expected_exceptions, **kwargs)

    def setup(self):
        self.max_body_bytes = settings_of(self.container).max_body_bytes
        super().setup()

    def handle_request(self, request):
        started = time.perf_counter()
        request.shallow = False
        request.max_content_length = self.max_body_bytes
        request_id = request_id_of(request)
        logs.bind_request_id(request_id)
        try:
            check_headers(request, ("X-Request-Id", *self.headers))
            kwargs = dict(request.path_values)
            if self.signed:
                self._read_body(request)
                kwargs["partner_id"] = self.authenticator.authenticate(
                    request, kwargs.get("citizen_id") if self.sensitive else None)
            if self.body is not None:
                data = request.get_data(cache=True) or b"{}"
                duplicates.refuse_repeated_keys(data)
                kwargs["body"] = parse(self.body.model_validate_json, data)
            if self.query is not None:
                kwargs["query"] = parse(self.query.model_validate,
                                        duplicates.single_parameters(request.args, self.query))
            if self.public_limits is not None:
                self.authenticator.count_public(request, self.public_limits(request, kwargs))
            response = self._run_worker(request, kwargs, request_id, started)
        except Exception as exc:  # noqa: BLE001 - every failure becomes the error shape
            response = response_for(exc, request_id)
        response.headers["X-Request-Id"] = request_id
        response.headers.update(rate_limits.header_fields(
            getattr(request, "rate_standings", ())))
        if response.status_code in (408, 413):
            request.environ.get(CLOSE_AFTER_RESPONSE, lambda: None)()
        metrics.observe_http(request.method, self.url, response.status_code,
                             time.perf_counter() - started)
        return response

    def _read_body(self, request) -> None:
        """The whole body within the read timeout, before anything else is done."""
        timeout = self.server.read_timeout
        try:
            with eventlet.Timeout(timeout):
                request.get_data(cache=True)
        except eventlet.Timeout:
            raise RequestTimeout(f"the body did not arrive within {timeout:g} s") from None

    def _run_worker(self, request, kwargs, request_id, started):
        admission = None if self.probe else self.server.admission
        if admission is not None:
            waited = time.perf_counter() - started
            if not admission.acquire(timeout=max(0.0, self.server.queue_seconds - waited)):
                busy = ServiceUnavailable("the gateway is busy; try again in a second",
                                          code="temporarily_unavailable")
                busy.retry_after = 1
                raise busy
        try:
            event = Event()
            self.container.spawn_worker(self, (request,), kwargs,
                                        context_data={"request_id": request_id},
                                        handle_result=partial(self.handle_result, event))
            return self.response_from_result(event.wait())
        finally:
            if admission is not None:
                admission.release()

    def response_from_result(self, result):
        if isinstance(result, Response):
            return result
        status, body = result
        return json_response(status, body)


def parse(validate, data):
    """The validated model, or InvalidInput naming the field (never echoing the value)."""
    try:
        return validate(data)
    except ValidationError as exc:
        raise invalid_input(exc) from None


api = ApiRoute.decorator
