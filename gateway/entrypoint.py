"""`@api(...)`: Nameko's @http, with partner auth, request ids and one error shape.

A signed route authenticates the partner before a worker is spawned, so a
handler never runs for an unauthenticated call and receives `partner_id` as a
keyword argument. Handlers return `(status, body)`; errors of any kind become
the JSON error shape; every response carries X-Request-Id.
"""

import random
import re
import time
from functools import partial

from eventlet.event import Event
from nameko.web.handlers import HttpRequestHandler
from nameko.web.server import WebServer, WsgiApp
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Request, Response

from chassis import logs, metrics
from chassis.settings import settings_of
from contracts.errors import CityHubError
from gateway.auth import PartnerAuthenticator
from gateway.errors import json_response, response_for
from gateway.http_protocol import QuickHeadersProtocol

CLIENT_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{8,128}$")


def request_id_of(request) -> str:
    given = request.headers.get("X-Request-Id", "")
    # An id only has to be unique, not unguessable: no system call for randomness.
    return given if CLIENT_REQUEST_ID.match(given) else f"{random.getrandbits(128):032x}"


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
    def get_wsgi_app(self):
        return JsonWsgiApp(self)

    def get_wsgi_server(self, sock, wsgi_app, protocol=QuickHeadersProtocol, debug=False):
        return super().get_wsgi_server(sock, wsgi_app, protocol=protocol, debug=debug)


class ApiRoute(HttpRequestHandler):
    server = JsonWebServer()
    authenticator = PartnerAuthenticator()

    def __init__(self, method, url, signed=True, expected_exceptions=CityHubError, **kwargs):
        self.signed = signed
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
            kwargs = dict(request.path_values)
            if self.signed:
                kwargs["partner_id"] = self.authenticator.authenticate(request)
            event = Event()
            self.container.spawn_worker(self, (request,), kwargs,
                                        context_data={"request_id": request_id},
                                        handle_result=partial(self.handle_result, event))
            response = self.response_from_result(event.wait())
        except Exception as exc:  # noqa: BLE001 - every failure becomes the error shape
            response = response_for(exc, request_id)
        response.headers["X-Request-Id"] = request_id
        metrics.observe_http(request.method, self.url, response.status_code,
                             time.perf_counter() - started)
        return response

    def response_from_result(self, result):
        if isinstance(result, Response):
            return result
        status, body = result
        return json_response(status, body)


api = ApiRoute.decorator
