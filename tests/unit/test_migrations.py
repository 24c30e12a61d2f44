"""Every deployable's migrations build exactly the schema its models describe, on an
empty SQLite file, the `make up` default (tests/integration checks PostgreSQL)."""

import pytest

from chassis.migrations import schema_differences, upgrade
from cityhub.deployables import DEPLOYABLES


@pytest.mark.parametrize("deployable", sorted(DEPLOYABLES))
def test_the_migrations_build_the_schema_the_models_describe_on_sqlite(deployable, tmp_path):
    url = f"sqlite:///{tmp_path / deployable}.db"
    package = DEPLOYABLES[deployable].package
    upgrade(package, url)
    upgrade(package, url)  # a second run finds nothing to do
    assert schema_differences(package, url) == []


def test_a_model_the_migrations_do_not_build_is_a_difference(tmp_path):
    # Positive control: an empty database differs from the models by every table.
    url = f"sqlite:///{tmp_path / 'empty'}.db"
    differences = schema_differences("services.identity", url)
    assert ("add_table", "citizens") in [(d[0], d[1].name) for d in differences
                                         if isinstance(d, tuple)]
