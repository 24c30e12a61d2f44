"""Every sandbox on one loopback port: `cityhub sandbox serve` (development only)."""

from pathlib import Path

from werkzeug.wrappers import Response

from sandboxes import agency, approvals, face, provider, registry, sms, webhooks

DEFAULT_PORT = 8101


def make_app(data_dir: Path, base_url: str = f"http://127.0.0.1:{DEFAULT_PORT}",
             sms_callback_secret: str = ""):
    routes = {
        "/v1/identity-checks": registry.make_app(data_dir / "registry.json"),
        "/v1/sms": sms.make_app(data_dir, sms_callback_secret),
    }
    face_app = face.make_app(base_url)
    receivers = webhooks.Receivers()
    payments = provider.Provider(base_url)
    agencies = agency.Agencies()
    deciders = approvals.Approvals()

    def app(environ, start_response):
        path = environ.get("PATH_INFO", "")
        if path.startswith(face.PREFIX):
            return face_app(environ, start_response)
        if path.startswith(webhooks.PREFIX):
            return receivers.app(environ, start_response)
        if path.startswith(provider.PREFIX):
            return payments.app(environ, start_response)
        if path.startswith(agency.PREFIX):
            return agencies.app(environ, start_response)
        if path.startswith(approvals.PREFIX):
            return deciders.app(environ, start_response)
        if path == "/v1/sms/behaviour" and environ.get("REQUEST_METHOD") in ("GET", "PUT"):
            return routes["/v1/sms"](environ, start_response)
        route = routes.get(path)
        if route is None or environ.get("REQUEST_METHOD") != "POST":
            return Response(status=404)(environ, start_response)
        return route(environ, start_response)

    return app


def serve(data_dir: Path, host: str = "127.0.0.1", port: int = DEFAULT_PORT,
          sms_callback_secret: str = "") -> None:
    import eventlet
    import eventlet.wsgi

    app = make_app(data_dir, f"http://127.0.0.1:{port}", sms_callback_secret)
    eventlet.wsgi.server(eventlet.listen((host, port)), app, log_output=False)
