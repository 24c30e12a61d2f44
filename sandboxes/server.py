"""Every sandbox on one loopback port: `cityhub sandbox serve` (development only)."""

from pathlib import Path

from werkzeug.wrappers import Response

from sandboxes import registry, sms

DEFAULT_PORT = 8101


def make_app(data_dir: Path):
    routes = {
        "/v1/identity-checks": registry.make_app(data_dir / "registry.json"),
        "/v1/sms": sms.make_app(data_dir),
    }

    def app(environ, start_response):
        route = routes.get(environ.get("PATH_INFO", ""))
        if route is None or environ.get("REQUEST_METHOD") != "POST":
            return Response(status=404)(environ, start_response)
        return route(environ, start_response)

    return app


def serve(data_dir: Path, host: str = "127.0.0.1", port: int = DEFAULT_PORT) -> None:
    import eventlet
    import eventlet.wsgi

    eventlet.wsgi.server(eventlet.listen((host, port)), make_app(data_dir), log_output=False)
