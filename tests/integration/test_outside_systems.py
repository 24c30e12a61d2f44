"""Identity's outside systems: the HTTP adapters against the sandboxes over real HTTP
on loopback, and the service-layer fakes, held to the same contract."""

import eventlet
import eventlet.wsgi
import pytest
import requests

from sandboxes.registry import make_app
from sandboxes.server import make_app as make_sandboxes
from services.identity.adapters import (
    FaceUnavailable,
    HttpFaceProvider,
    HttpRegistry,
    RegistryAnswer,
    RegistryUnavailable,
)
from tests.service_layer.fakes import FakeFaceProvider, FakeRegistry

pytestmark = pytest.mark.integration


@pytest.fixture
def sandbox_url(tmp_path):
    sock = eventlet.listen(("127.0.0.1", 0))
    server = eventlet.spawn(eventlet.wsgi.server, sock, make_sandboxes(
        tmp_path / "sandbox", f"http://127.0.0.1:{sock.getsockname()[1]}"), log_output=False)
    yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    server.kill()
    sock.close()


@pytest.fixture(params=["sandbox", "fake"])
def registry(request, sandbox_url):
    return HttpRegistry(sandbox_url, timeout=2) if request.param == "sandbox" else FakeRegistry()


class SandboxPhone:
    """Completes a face session as the citizen's phone does: over HTTP to the sandbox."""

    def complete(self, session, outcome):
        requests.post(session.complete_url, json={"outcome": outcome}, timeout=5)


class FakePhone:
    def __init__(self, provider):
        self.provider = provider

    def complete(self, session, outcome):
        self.provider.complete(session.session_id, outcome)


@pytest.fixture(params=["sandbox", "fake"])
def face(request, sandbox_url):
    """(provider, phone) for the HTTP adapter with the sandbox, and for the fake."""
    if request.param == "sandbox":
        return HttpFaceProvider(sandbox_url, timeout=2), SandboxPhone()
    provider = FakeFaceProvider()
    return provider, FakePhone(provider)


def test_a_listed_person_with_their_own_name_matches(registry):
    assert registry.check("张三", "11010519491231002X") is RegistryAnswer.MATCH
    assert registry.check("李四", "440524188001010014") is RegistryAnswer.MATCH


def test_a_listed_number_with_another_name_is_a_mismatch(registry):
    assert registry.check("李四", "11010519491231002X") is RegistryAnswer.MISMATCH


def test_a_well_formed_number_the_registry_does_not_hold_is_not_found(registry):
    assert registry.check("赵六", "310115198001011238") is RegistryAnswer.NOT_FOUND


def test_a_registry_outage_is_reported_without_the_personal_data(registry):
    with pytest.raises(RegistryUnavailable) as raised:
        registry.check("王五", "11010119900307803X")
    assert str(raised.value) == "the registry answered 503"


def test_a_face_session_is_pending_until_the_phone_completes_it(face):
    provider, phone = face
    session = provider.start()
    assert provider.result(session.session_id) is None
    phone.complete(session, "pass")
    result = provider.result(session.session_id)
    assert (result.outcome, result.match_score > 0.9, result.risk_score < 0.1) == (
        "pass", True, True)


def test_a_spoof_comes_back_with_a_high_risk_score(face):
    provider, phone = face
    session = provider.start()
    phone.complete(session, "spoof")
    result = provider.result(session.session_id)
    assert (result.outcome, result.risk_score > 0.9) == ("spoof", True)


def test_a_face_provider_that_cannot_be_reached_is_unavailable():
    with pytest.raises(FaceUnavailable):
        HttpFaceProvider("http://127.0.0.1:9", timeout=1).start()


def test_a_registry_that_cannot_be_reached_is_unavailable():
    with pytest.raises(RegistryUnavailable, match="no answer from the registry"):
        HttpRegistry("http://127.0.0.1:9", timeout=1).check("张三", "11010519491231002X")


def test_the_sandbox_keeps_its_people_in_its_own_file(tmp_path):
    make_app(tmp_path / "sandbox" / "registry.json")
    assert "张三" in (tmp_path / "sandbox" / "registry.json").read_text()
