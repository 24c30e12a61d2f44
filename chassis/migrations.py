"""Alembic, one history per deployable, driven from code (`cityhub migrate`)."""

from importlib import import_module
from pathlib import Path

from alembic import command, context
from alembic.config import Config

from chassis.db import make_engine

# Where each deployable keeps its migrations package.
MIGRATION_PACKAGES = {
    "identity": "services.identity",
    "payments": "services.payments",
    "appointments": "services.appointments",
    "notify": "services.notify",
    "gateway": "gateway",
}


def alembic_config(deployable: str, url: str) -> Config:
    package = import_module(MIGRATION_PACKAGES[deployable])
    config = Config()
    config.set_main_option("script_location", str(Path(package.__file__).parent / "migrations"))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(deployable: str, url: str) -> None:
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    command.upgrade(alembic_config(deployable, url), "head")


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
