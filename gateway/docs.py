"""GET /docs: the partner API reference, browsable, with a quick start.

The page (docs.html) renders /v1/openapi.json with Swagger UI, whose files come from
the openapi-ui-bundles package and are served from here, so the reference works
where no CDN can be reached (a city's private network). It is for reading: calls need
a signature a browser does not make, so "try it out" is off, and Swagger UI's online
validator is never asked.
"""

from functools import cache
from pathlib import Path

import openapi_ui_bundles
from werkzeug.wrappers import Response

from contracts.errors import NotFound

PAGE = Path(__file__).with_name("docs.html")
# What the page asks for, and nothing else of the bundle's folder.
ASSETS = {"swagger-ui-bundle.js": "text/javascript", "swagger-ui.css": "text/css"}
STARTER = """window.onload = () => {
  window.ui = SwaggerUIBundle({
    url: "/v1/openapi.json", dom_id: "#reference", validatorUrl: null,
    supportedSubmitMethods: [], tryItOutEnabled: false, docExpansion: "none",
    defaultModelsExpandDepth: 0, deepLinking: true,
  });
};
"""
CACHE = "public, max-age=86400"


def page() -> Response:
    return Response(_read(PAGE), mimetype="text/html", headers={"Cache-Control": "no-cache"})


def asset(name: str) -> Response:
    if name == "reference.js":
        return Response(STARTER, mimetype="text/javascript", headers={"Cache-Control": CACHE})
    if name not in ASSETS:
        raise NotFound("no such asset", field="name", code="asset_not_found")
    return Response(_read(openapi_ui_bundles.swagger_ui.static_path / name),
                    mimetype=ASSETS[name], headers={"Cache-Control": CACHE})


@cache
def _read(path: Path) -> bytes:
    return path.read_bytes()
