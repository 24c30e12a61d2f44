"""Every stored moment comes back aware UTC, on SQLite as on PostgreSQL."""

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import Column, Integer, MetaData, Table, create_engine, insert, select
from sqlalchemy.exc import StatementError

from chassis.timestamps import UtcDateTime
from contracts.time import iso_utc

SHANGHAI = timezone(timedelta(hours=8))


@pytest.fixture
def table():
    engine = create_engine("sqlite://")
    metadata = MetaData()
    moments = Table("moments", metadata, Column("id", Integer, primary_key=True),
                    Column("at", UtcDateTime))
    metadata.create_all(engine)
    with engine.begin() as connection:
        yield connection, moments


def test_a_moment_stored_in_sqlite_comes_back_aware_and_in_utc(table):
    connection, moments = table
    written = datetime(2026, 11, 25, 8, 30, 0, 123456, tzinfo=SHANGHAI)
    connection.execute(insert(moments).values(at=written))
    read = connection.scalar(select(moments.c.at))
    assert read == written
    assert read.tzinfo is UTC
    assert read.hour == 0  # 08:30 in Shanghai is 00:30 UTC


def test_comparing_a_stored_moment_with_now_works(table):
    connection, moments = table
    connection.execute(insert(moments).values(at=datetime.now(UTC) - timedelta(hours=1)))
    assert datetime.now(UTC) - connection.scalar(select(moments.c.at)) > timedelta(minutes=59)


def test_a_naive_moment_is_refused_rather_than_guessed(table):
    connection, moments = table
    with pytest.raises(StatementError, match="naive"):
        connection.execute(insert(moments).values(at=datetime(2026, 11, 25, 8, 30)))


def test_answers_write_every_moment_in_utc_with_a_z():
    moment = datetime(2026, 11, 25, 8, 30, tzinfo=SHANGHAI)
    assert iso_utc(moment) == "2026-11-25T00:30:00.000000Z"
    assert datetime.fromisoformat(iso_utc(moment)) == moment
    with pytest.raises(ValueError):
        iso_utc(datetime(2026, 11, 25))
