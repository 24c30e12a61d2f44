# Nameko's pytest plugin no longer greens the process: do it before anything
# imports socket, ssl or psycopg2.
import json
import os
import warnings
from pathlib import Path

warnings.filterwarnings("ignore", message=r"(?s).*Eventlet is deprecated")

import eventlet  # noqa: E402

eventlet.monkey_patch()

from psycogreen.eventlet import patch_psycopg  # noqa: E402

patch_psycopg()

import pytest  # noqa: E402

# Imported here for the backends' names, so asserts in the fixtures must be marked for
# rewriting before they are (pytest_plugins would have done it, but comes too late).
pytest.register_assert_rewrite("tests.fixtures")

from tests.fixtures.platform import BACKENDS, NAMED_ONLY  # noqa: E402

pytest_plugins = ["tests.fixtures.servers", "tests.fixtures.services", "tests.fixtures.platform"]



def pytest_addoption(parser):
    parser.addoption("--backend", choices=(*BACKENDS, *NAMED_ONLY),
                     help="run only this backend's platform tests (and no other test); "
                          "`make test` runs one pytest per backend side by side")


def pytest_collection_modifyitems(config, items):
    backend = config.getoption("--backend")
    kept, dropped = [], []
    if backend is None:  # the replicas and cluster platforms only when asked for by name
        for item in items:
            callspec = getattr(item, "callspec", None)
            (dropped if callspec and callspec.params.get("platform") in NAMED_ONLY
             else kept).append(item)
        items[:] = kept
        config.hook.pytest_deselected(items=dropped)
        return
    for item in items:
        callspec = getattr(item, "callspec", None)
        (kept if callspec and callspec.params.get("platform") == backend else dropped).append(
            item)
    items[:] = kept
    config.hook.pytest_deselected(items=dropped)


_REPORTED = []


@pytest.fixture
def report():
    """`report(title, figures)`: what a test measured (a time, a rate), printed at the end
    of the run. Speed is reported, never asserted (bench/README.md)."""
    return lambda title, figures: _REPORTED.append((title, figures))


def pytest_terminal_summary(terminalreporter):
    for title, figures in _REPORTED:
        terminalreporter.write_sep("-", f"measured: {title}")
        terminalreporter.write_line(json.dumps(figures, indent=1, default=str))


def pytest_runtest_logstart(nodeid, location):
    """Name the running test in the file `make test` gives (tests/suites.py), so that a
    suite stopped at its deadline says which test it hung in."""
    if path := os.environ.get("CITYHUB_TEST_NOW"):
        Path(path).write_text(nodeid)
