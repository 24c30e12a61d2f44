import psycopg2
import pytest
from sqlalchemy import text

from chassis import db
from tests.fixtures.servers import POSTGRES

pytestmark = pytest.mark.integration


def drop_connections_to(url: str) -> int:
    """What a PostgreSQL restart does to every connection a pool holds."""
    database = url.rsplit("/", 1)[1]
    admin = psycopg2.connect(f"{POSTGRES}/postgres")
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                       "WHERE datname = %s AND pid <> pg_backend_pid()", (database,))
        dropped = cursor.fetchone()[0]
    admin.close()
    return dropped


def test_an_idle_pooled_connection_the_database_dropped_is_replaced_before_use(
        database_urls, monkeypatch):
    monkeypatch.setattr(db, "PING_AFTER_IDLE_SECONDS", 0.0)
    engine = db.make_engine(database_urls["notify"], pool_size=2)
    with engine.connect() as connection:
        connection.execute(text("SELECT 1"))
    assert drop_connections_to(database_urls["notify"]) >= 1

    with engine.connect() as connection:
        assert connection.execute(text("SELECT 2")).scalar() == 2
    engine.dispose()


def test_after_the_database_drops_busy_connections_only_the_next_statement_fails(
        database_urls):
    engine = db.make_engine(database_urls["notify"], pool_size=2)
    with engine.connect() as first, engine.connect() as second:
        first.execute(text("SELECT 1"))
        second.execute(text("SELECT 1"))
    drop_connections_to(database_urls["notify"])

    # Used a moment ago, so not pinged: the first statement meets the dead
    # connection, and SQLAlchemy throws away the whole pool with it.
    with pytest.raises(Exception, match="terminat|closed"), engine.connect() as connection:
        connection.execute(text("SELECT 1"))
    with engine.connect() as connection:
        assert connection.execute(text("SELECT 2")).scalar() == 2
    engine.dispose()
