"""Alembic, one history per deployable, driven from code (`cityhub migrate`)."""

from importlib import import_module
from pathlib import Path

from alembic import command, context
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext

from chassis.db import make_engine


def alembic_config(package: str, url: str) -> Config:
    """`package` holds the deployable's migrations/ (cityhub.deployables names it)."""
    config = Config()
    config.set_main_option("script_location",
                           str(Path(import_module(package).__file__).parent / "migrations"))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(package: str, url: str) -> None:
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    command.upgrade(alembic_config(package, url), "head")


def run_env(target_metadata) -> None:
    """The body of every migrations/env.py."""
    url = context.config.get_main_option("sqlalchemy.url")
    engine = make_engine(url, pool_size=1)
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=target_metadata,
                          render_as_batch=url.startswith("sqlite"))
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


def schema_differences(package: str, url: str) -> list:
    """What Alembic's autogenerate would change to make the database at `url` match
    the models of `package`: [] when the migrations and the models agree."""
    models = import_module(f"{package}.models")
    engine = make_engine(url, pool_size=1)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            differences = compare_metadata(context, models.Base.metadata)
    finally:
        engine.dispose()
    return [d for d in differences if not _is_alembic_version(d)]


def _is_alembic_version(difference) -> bool:
    return (isinstance(difference, tuple) and difference[0] == "remove_table"
            and difference[1].name == "alembic_version")
