"""The broker users' permissions are read off the deployables (cityhub/broker_users.py)."""

import re

import pytest

from chassis.settings import Settings
from cityhub import broker_users
from cityhub.deployables import DEPLOYABLES


@pytest.fixture(scope="module")
def grants():
    return {g.user.removeprefix("cityhub-"): g for g in broker_users.grants(Settings())}


def allows(pattern: str, name: str) -> bool:
    return re.search(pattern, name) is not None


def test_every_deployable_and_ops_has_a_user(grants):
    assert set(grants) == {*DEPLOYABLES, "ops"}


def test_nobody_but_ops_may_write_to_the_default_exchange(grants):
    assert {name for name, g in grants.items() if allows(g.write, "amq.default")} == {"ops"}


def test_a_service_binds_to_the_events_of_the_services_it_listens_to_and_no_others(grants):
    assert allows(grants["notify"].read, "identity.events")
    assert not allows(grants["payments"].read, "identity.events")
    assert allows(grants["gateway"].read, "notify.events")  # the live streams


def test_each_user_writes_only_its_own_events(grants):
    for name, grant in grants.items():
        if name != "ops":
            assert {other for other in DEPLOYABLES if allows(grant.write, f"{other}.events")} \
                == {name}


def test_the_gateway_may_call_every_service_and_a_service_only_those_it_calls(grants):
    assert all(allows(grants["gateway"].rpc_write_keys, f"{name}.ping")
               for name in DEPLOYABLES if name != "gateway")
    assert not allows(grants["payments"].rpc_write_keys, "matters.ping")
    assert allows(grants["identity"].rpc_write_keys, "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0")
    assert not allows(grants["gateway"].rpc_write_keys, "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0")
