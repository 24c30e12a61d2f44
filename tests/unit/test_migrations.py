"""Every deployable's migrations apply to an empty SQLite file, the `make up` default
(the integration tests apply them to PostgreSQL)."""

import pytest
from sqlalchemy import create_engine, inspect

from chassis.migrations import MIGRATION_PACKAGES, upgrade


@pytest.mark.parametrize("deployable", sorted(MIGRATION_PACKAGES))
def test_the_migrations_build_the_schema_the_models_describe_on_sqlite(deployable, tmp_path):
    url = f"sqlite:///{tmp_path / deployable}.db"
    upgrade(deployable, url)
    upgrade(deployable, url)  # a second run finds nothing to do
    from importlib import import_module

    models = import_module(f"{MIGRATION_PACKAGES[deployable]}.models")
    engine = create_engine(url)
    tables = set(inspect(engine).get_table_names())
    engine.dispose()
    assert set(models.Base.metadata.tables) <= tables
