"""Every notify replica uses a template's new version soon after `cityhub seed`
released it, not only replicas started after: the book of templates each keeps is read
again every minute."""

import json

import pytest
from sqlalchemy import insert

from services.notify.models import Template
from services.notify.repository import TemplateBook
from tests.fixtures.servers import migrated_database

pytestmark = pytest.mark.integration


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request, tmp_path):
    found = migrated_database(request, tmp_path, "notify")
    yield found
    found.close()


def release(database, version: int) -> None:
    with database.engine.begin() as connection:
        connection.execute(insert(Template.__table__), {
            "id": "release-notice", "version": version, "category": "account", "critical": False,
            "channels": json.dumps({"inbox": {"title": {"en": f"Welcome, v{version}"}}})})


def test_a_new_version_is_used_by_a_running_replica_within_a_minute(database):
    now = [1000.0]
    book = TemplateBook(clock=lambda: now[0])
    release(database, 1)
    assert book.latest("release-notice", database.engine.connect).version == 1
    release(database, 2)  # `cityhub seed` while this replica runs
    now[0] += 59
    assert book.latest("release-notice", database.engine.connect).version == 1  # kept
    now[0] += 1
    assert book.latest("release-notice", database.engine.connect).version == 2
