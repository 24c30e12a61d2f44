"""The shape every service copies: layers, no cycles, the same files in each service.

The layer contracts themselves are in pyproject.toml and run as `lint-imports` in
`make test`; these tests cover what import-linter does not.
"""

import sys
import textwrap
from pathlib import Path

import grimp
import pytest

from cityhub.deployables import DEPLOYABLES
from contracts import errors

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("cityhub", "chassis", "contracts", "services", "gateway", "sandboxes")
# Every service answers the same questions in the same places (docs/architecture.md);
# a role is a module, or a package of the same name once it outgrows one file.
REQUIRED_ROLES = ("service", "domain", "models", "repository", "migrations")
OPTIONAL_ROLES = ("use_cases", "views", "adapters", "seed")


def import_cycles(*packages: str) -> list[tuple[str, str]]:
    """Pairs (a, b) where a imports b directly and b leads back to a. Imports inside
    functions count: a cycle hidden in a function is still a cycle."""
    graph = grimp.build_graph(*packages, cache_dir=None)
    cycles = []
    for module in sorted(graph.modules):
        for imported in sorted(graph.find_modules_directly_imported_by(module)):
            if graph.chain_exists(importer=imported, imported=module):
                cycles.append((module, imported))
    return cycles


def test_no_module_imports_a_module_that_imports_it_back():
    assert import_cycles(*PACKAGES) == []


def test_the_cycle_finder_finds_a_cycle_hidden_in_a_function(tmp_path, monkeypatch):
    package = tmp_path / "cyclic"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "a.py").write_text("from cyclic import b\n")
    (package / "b.py").write_text(textwrap.dedent("""
        def later():
            from cyclic import a
    """))
    monkeypatch.syspath_prepend(str(tmp_path))
    try:
        assert ("cyclic.a", "cyclic.b") in import_cycles("cyclic")
    finally:
        sys.modules.pop("cyclic", None)


@pytest.mark.parametrize("deployable", [d for d in DEPLOYABLES.values()
                                        if d.package.startswith("services.")],
                         ids=lambda d: d.name)
def test_every_service_has_the_same_files_in_the_same_roles(deployable):
    folder = ROOT / deployable.package.replace(".", "/")
    roles = {path.stem for path in folder.iterdir()
             if path.suffix == ".py" or (path / "__init__.py").exists()
             or (path / "env.py").exists()} - {"__init__"}
    assert [role for role in REQUIRED_ROLES if role not in roles] == []
    assert roles - set(REQUIRED_ROLES) - set(OPTIONAL_ROLES) == set()


def test_every_typed_error_crosses_rpc_as_itself():
    def subclasses(cls):
        return {cls, *(c for sub in cls.__subclasses__() for c in subclasses(sub))}

    assert subclasses(errors.CityHubError) - {errors.CityHubError} == set(errors.ERRORS)


@pytest.mark.parametrize("deployable", [d for d in DEPLOYABLES.values()
                                        if d.package.startswith("services.")],
                         ids=lambda d: d.name)
def test_only_a_service_that_publishes_events_runs_an_outbox_relay(deployable):
    folder = ROOT / deployable.package.replace(".", "/")
    publishes = any("publish(" in path.read_text() for path in folder.rglob("*.py"))
    assert (deployable.service_class().db.base_outbox is not None) == publishes
