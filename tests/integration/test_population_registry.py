"""The registry adapter against the sandbox registry, over real HTTP on loopback."""

import eventlet
import eventlet.wsgi
import pytest

from sandboxes.registry import make_app
from sandboxes.server import make_app as make_sandboxes
from services.identity.adapters import HttpRegistry, RegistryAnswer, RegistryUnavailable

pytestmark = pytest.mark.integration


@pytest.fixture
def registry(tmp_path):
    sock = eventlet.listen(("127.0.0.1", 0))
    server = eventlet.spawn(eventlet.wsgi.server, sock, make_sandboxes(tmp_path / "sandbox"),
                            log_output=False)
    yield HttpRegistry(f"http://127.0.0.1:{sock.getsockname()[1]}", timeout=2)
    server.kill()
    sock.close()


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


def test_a_registry_that_cannot_be_reached_is_unavailable():
    with pytest.raises(RegistryUnavailable, match="no answer from the registry"):
        HttpRegistry("http://127.0.0.1:9", timeout=1).check("张三", "11010519491231002X")


def test_the_sandbox_keeps_its_people_in_its_own_file(tmp_path):
    make_app(tmp_path / "sandbox" / "registry.json")
    assert "张三" in (tmp_path / "sandbox" / "registry.json").read_text()
