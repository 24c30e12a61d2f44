"""GET /docs: the browsable reference is served whole from the gateway (no CDN), and
the files it needs ship with the package."""

import fnmatch
import re
import tomllib
from pathlib import Path

import pytest

from contracts.errors import NotFound
from gateway import docs

ROOT = Path(__file__).parents[2]


def test_the_page_loads_nothing_from_another_host():
    html = docs.page().get_data(as_text=True)
    assert "/v1/openapi.json" in html and "signed_headers" in html  # the quick start
    loaded = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert loaded and all(url.startswith("/") for url in loaded), loaded
    starter = docs.asset("reference.js").get_data(as_text=True)
    assert "validatorUrl: null" in starter  # Swagger UI would ask validator.swagger.io


def test_every_asset_the_page_names_is_served_and_nothing_else_is():
    html = docs.page().get_data(as_text=True)
    for name in re.findall(r'/docs/assets/([\w.-]+)', html):
        answer = docs.asset(name)
        assert answer.status_code == 200 and len(answer.get_data()) > 100, name
    with pytest.raises(NotFound):
        docs.asset("index.html")  # in the bundle's folder, but not ours to serve
    with pytest.raises(NotFound):
        docs.asset("../../../../etc/passwd")


@pytest.mark.parametrize("path", ["gateway/docs.html", "services/matters/catalogue.yaml",
                                  "services/matters/workflows.yaml",
                                  "services/matters/holidays.yaml",
                                  "services/notify/templates/welcome/1.yaml"])
def test_the_data_files_the_code_reads_ship_in_the_package(path):
    patterns = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"][
        "package-data"]["*"]
    inside = path.split("/", 2)[-1] if path.startswith("services/") else path.split("/", 1)[1]
    assert any(fnmatch.fnmatch(inside, pattern) for pattern in patterns), (path, patterns)
    assert (ROOT / path).exists()
