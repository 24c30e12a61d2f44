"""The browsable API reference, as a partner's engineer opens it."""

import pytest
import requests

pytestmark = pytest.mark.e2e


def test_the_reference_page_and_its_files_come_from_the_gateway(platform):
    page = requests.get(f"{platform.url}/docs", timeout=10)
    assert page.status_code == 200 and page.headers["Content-Type"].startswith("text/html")
    assert "CityHub partner API" in page.text
    script = requests.get(f"{platform.url}/docs/assets/swagger-ui-bundle.js", timeout=10)
    assert script.status_code == 200 and len(script.content) > 100_000
    assert "max-age" in script.headers["Cache-Control"]
    missing = requests.get(f"{platform.url}/docs/assets/nothing.js", timeout=10)
    assert (missing.status_code, missing.json()["error"]["code"]) == (404, "asset_not_found")
