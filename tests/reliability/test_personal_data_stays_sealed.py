"""Canary personal data goes through the whole identity flow and is then looked for
everywhere we keep or send things: the databases' raw files, the logs, and every
message that crossed the broker. It must be found nowhere in the clear."""

import json
import random
import re
from pathlib import Path

import psycopg2
import pytest
from kombu import Connection

from tests.fixtures.servers import POSTGRES

pytestmark = pytest.mark.e2e

NAME, ID_NUMBER = "张三", "11010519491231002X"  # a sandbox registry identity


@pytest.fixture
def broker_tap(platform):
    """A queue that receives a copy of every RPC and event message from now on."""
    connection = Connection(platform.env["CITYHUB_AMQP_URI"])
    channel = connection.channel()
    queue = f"test.tap.{random.randrange(10**9)}"
    channel.queue_declare(queue, exclusive=True, auto_delete=True)
    for exchange in ("nameko-rpc", "identity.events"):
        channel.queue_bind(queue, exchange, "#")
    yield lambda: drain(channel, queue)
    connection.release()


def drain(channel, queue) -> list[bytes]:
    bodies = []
    while (message := channel.basic_get(queue, no_ack=True)) is not None:
        body = message.body
        bodies.append(body if isinstance(body, bytes) else body.encode())
    return bodies


def canaries(phone: str) -> list[bytes]:
    digits = phone.removeprefix("+86")
    return [value.encode() for value in (digits, NAME, ID_NUMBER)] + [
        json.dumps(NAME).encode()]  # as JSON would escape it


def raw_database_files(platform) -> list[Path]:
    if platform.backend == "sqlite":
        # The database files and their write-ahead logs, where recent commits are.
        files = [Path(url.removeprefix("sqlite:///")) for url in platform.database_urls.values()]
        return [path for file in files for path in file.parent.glob(f"{file.name}*")]
    return postgresql_files(platform.database_urls)


def postgresql_files(database_urls: dict) -> list[Path]:
    with psycopg2.connect(f"{POSTGRES}/postgres") as connection, \
            connection.cursor() as cursor:
        cursor.execute("CHECKPOINT")  # what was committed is now in the files
        cursor.execute("SHOW data_directory")
        data_directory = Path(cursor.fetchone()[0])
        names = [url.rsplit("/", 1)[1] for url in database_urls.values()]
        cursor.execute("SELECT oid FROM pg_database WHERE datname = ANY(%s)", (names,))
        oids = [row[0] for row in cursor.fetchall()]
    return [path for oid in oids for path in (data_directory / "base" / str(oid)).iterdir()
            if path.is_file()]


def test_canary_personal_data_is_never_in_the_clear_in_databases_logs_or_messages(
        platform, broker_tap):
    partner = tuple(json.loads(platform.cli("partner", "create",
                                            f"canary-{random.randrange(10**9)}")).values())
    phone = f"+86139{random.randrange(10**8):08d}"
    citizen_id = platform.register("canary-user", phone=phone, partner=partner)["citizen_id"]
    path = f"/v1/citizens/{citizen_id}"
    platform.call("POST", f"{path}/phone-verifications", partner=partner)
    code = re.search(r"\b(\d{6})\b", platform.texts_to(phone)[-1]["text"]).group(1)
    assert platform.call("POST", f"{path}/phone-verifications/confirm", {"code": code},
                         partner=partner).status_code == 200
    verified = platform.call("POST", f"{path}/real-name",
                             {"name": NAME, "id_number": ID_NUMBER}, partner=partner)
    assert verified.status_code == 200, verified.text
    profile = platform.call("GET", path, partner=partner)
    assert profile.json()["assurance_level"] == 2

    messages = broker_tap()
    assert messages, "the tap saw no messages: the test would prove nothing"
    logs = platform.logs().encode()
    try:
        files = raw_database_files(platform)
    except PermissionError:
        pytest.skip("reading PostgreSQL's files needs the rights of its owner or root")
    stored = b"".join(path.read_bytes() for path in files)
    # Controls: the search looks where the flow's data really is.
    assert b"canary-user" in stored
    assert any(citizen_id.encode() in body for body in messages)

    for canary in canaries(phone):
        assert canary not in profile.content
        assert not any(canary in body for body in messages), canary
        assert canary not in logs, canary
        assert canary not in stored, canary
