"""On PostgreSQL, as docker-compose runs it, each deployable's migrated schema is
exactly what its models describe (tests/unit checks SQLite)."""

import pytest

from chassis.migrations import schema_differences
from cityhub.deployables import DEPLOYABLES

pytestmark = pytest.mark.integration


@pytest.mark.parametrize("deployable", sorted(DEPLOYABLES))
def test_the_migrations_build_the_schema_the_models_describe_on_postgresql(
        migrated, deployable):
    assert schema_differences(DEPLOYABLES[deployable].package, migrated[deployable]) == []
