import json
import time

import pytest
from kombu import Connection
from nameko.testing.services import entrypoint_hook
from sqlalchemy import create_engine, text

from chassis.broker import Publisher, PublishFailed
from chassis.crypto import FieldCipher, transit
from chassis.db import make_engine, new_event
from contracts.events import CitizenRegistered
from services.identity.service import IdentityService
from services.notify.service import NotifyService
from tests.fixtures.services import container_of
from tests.fixtures.waiting import eventually

pytestmark = pytest.mark.integration




def register(runner, partner_user_id="u-1", locale="en"):
    container = container_of(runner, "identity")
    cipher = FieldCipher(container.config["CITYHUB_SETTINGS"].data_keys, "unused")
    with entrypoint_hook(container, "register_citizen") as call:
        return call("acme", partner_user_id, cipher.seal("+8613812345678", transit("phone")),
                    locale)


def inbox(runner, citizen_id):
    with entrypoint_hook(container_of(runner, "notify"), "list_notifications") as call:
        return call(citizen_id)["items"]


def test_registering_a_citizen_puts_one_welcome_message_in_their_inbox(run_services):
    runner = run_services(IdentityService, NotifyService)
    citizen = register(runner, locale="zh-CN")
    messages = eventually(lambda: inbox(runner, citizen["citizen_id"]))
    assert [m["template_id"] for m in messages] == ["welcome"]
    assert messages[0]["locale"] == "zh-CN"
    assert messages[0]["title"] == "欢迎使用城市服务"


def test_registering_the_same_partner_user_twice_gives_one_citizen_and_one_welcome(run_services):
    runner = run_services(IdentityService, NotifyService)
    first = register(runner)
    second = register(runner)
    assert first["created"] is True and second["created"] is False
    assert first["citizen_id"] == second["citizen_id"]
    eventually(lambda: inbox(runner, first["citizen_id"]))
    time.sleep(0.5)
    assert len(inbox(runner, first["citizen_id"])) == 1


def test_an_event_delivered_twice_is_applied_once(run_services, settings):
    runner = run_services(NotifyService)
    envelope = new_event("identity", CitizenRegistered.TYPE,
                         {"citizen_id": "c-dup", "partner_id": "acme", "locale": "en"},
                         citizen_id="c-dup")
    publisher = Publisher(settings.amqp_uri)
    for _ in range(2):
        publisher.publish(envelope.model_dump_json(), exchange="identity.events",
                          routing_key=CitizenRegistered.TYPE, message_id=envelope.event_id)
    publisher.close()
    eventually(lambda: inbox(runner, "c-dup"))
    time.sleep(0.5)
    assert len(inbox(runner, "c-dup")) == 1


def test_an_event_published_before_its_consumer_starts_is_still_delivered(
        run_services, settings):
    from cityhub import operations

    operations.declare_topology(settings)
    envelope = new_event("identity", CitizenRegistered.TYPE,
                         {"citizen_id": "c-early", "partner_id": "acme", "locale": "en"})
    publisher = Publisher(settings.amqp_uri)
    publisher.publish(envelope.model_dump_json(), exchange="identity.events",
                      routing_key=CitizenRegistered.TYPE)
    publisher.close()
    runner = run_services(NotifyService)
    assert eventually(lambda: inbox(runner, "c-early"))


def test_the_phone_number_is_stored_encrypted_and_shown_masked(run_services, settings):
    runner = run_services(IdentityService)
    citizen = register(runner)
    assert citizen["phone"] == "+86138****5678"
    engine = create_engine(settings.database_url("identity"))
    with engine.connect() as connection:
        row = connection.execute(text("SELECT * FROM citizens")).mappings().one()
        outbox = connection.execute(text("SELECT body FROM outbox")).scalars().all()
    engine.dispose()
    assert "13812345678" not in json.dumps(dict(row), default=str)
    assert row["phone_sealed"].startswith("dev1:")
    assert all("13812345678" not in body for body in outbox)


def test_an_event_the_broker_refuses_stays_in_the_outbox_until_it_can_be_published(settings):
    from sqlalchemy.orm import sessionmaker

    from chassis.outbox import OutboxRelay
    from services.identity.models import Outbox

    engine = make_engine(settings.database_url("identity"))
    with engine.begin() as connection:
        connection.execute(text("TRUNCATE outbox RESTART IDENTITY"))
    sessions = sessionmaker(bind=engine)
    envelope = new_event("identity", "test.happened", {"n": 1})
    with sessions.begin() as session:
        session.add(Outbox(event_id=envelope.event_id, exchange="cityhub.test.missing",
                           routing_key="test.happened", body=envelope.model_dump_json()))
    relay = OutboxRelay(engine, Outbox, settings, "identity")
    with pytest.raises(PublishFailed):
        relay.relay_once()
    with sessions() as session:
        row = session.query(Outbox).one()
        assert row.sent_at is None and row.attempts == 1 and "NOT_FOUND" in row.last_error

    with Connection(settings.amqp_uri) as connection:
        channel = connection.channel()
        channel.exchange_declare("cityhub.test.missing", "fanout", durable=False,
                                 auto_delete=False)
        channel.queue_declare("cityhub.test.sink", durable=False, auto_delete=False)
        channel.queue_bind("cityhub.test.sink", "cityhub.test.missing", "")
        assert relay.relay_once() == 1
        assert channel.queue_declare("cityhub.test.sink", passive=True).message_count == 1
        channel.exchange_delete("cityhub.test.missing")
        channel.queue_delete("cityhub.test.sink")
    relay.stop()
    with sessions() as session:
        assert session.query(Outbox).one().sent_at is not None
    engine.dispose()
