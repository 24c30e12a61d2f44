"""What the `cityhub` commands do, callable from tests too."""

from importlib import import_module

from kombu import Connection
from sqlalchemy.orm import sessionmaker

from chassis import topology
from chassis.broker import Publisher
from chassis.db import make_engine
from chassis.deployables import SERVICE_CLASSES, service_class
from chassis.events import ATTEMPT_HEADER, ERROR_HEADER, queue_depth
from chassis.migrations import MIGRATION_PACKAGES, upgrade


class OperationFailed(Exception):
    pass


def migrate(settings, names=()) -> None:
    for name in names or MIGRATION_PACKAGES:
        if name not in MIGRATION_PACKAGES:
            raise OperationFailed(f"no such deployable: {name}")
        upgrade(name, settings.database_url(name))


def _session(settings, name: str):
    engine = make_engine(settings.database_url(name))
    return engine, sessionmaker(bind=engine).begin()


def seed(settings) -> dict:
    """Demo reference data for every service that has some, and the sandbox partner."""
    seeded = {}
    for name, package in MIGRATION_PACKAGES.items():
        repository = import_module(f"{package}.repository")
        if hasattr(repository, "seed"):
            engine, transaction = _session(settings, name)
            with transaction as session:
                seeded[name] = repository.seed(session)
            engine.dispose()
    from gateway.auth import SANDBOX_APP_ID

    if settings.env != "production":
        set_partner_secret(settings, SANDBOX_APP_ID, settings.sandbox_secret)
        seeded["partners"] = [SANDBOX_APP_ID]
    return seeded


def set_partner_secret(settings, app_id: str, secret: str, create_only: bool = False) -> None:
    from gateway import repository

    engine, transaction = _session(settings, "gateway")
    try:
        with transaction as session:
            if create_only and repository.partner(session, app_id) is not None:
                raise OperationFailed(f"partner {app_id} already exists")
            repository.save_partner(session, settings, app_id, secret)
    finally:
        engine.dispose()


def create_partner(settings, app_id: str) -> dict:
    from gateway import signing

    if not signing.APP_ID.match(app_id):
        raise OperationFailed("APP_ID must be 1-64 characters of A-Z a-z 0-9 _ -")
    secret = signing.new_secret()
    set_partner_secret(settings, app_id, secret, create_only=True)
    return {"app_id": app_id, "secret": secret}


def all_handler_queues() -> list[topology.HandlerQueues]:
    return [queues for name in SERVICE_CLASSES
            for queues in topology.handler_queues_of(service_class(name))]


def declare_topology(settings) -> list[str]:
    handlers = all_handler_queues()
    with Connection(settings.amqp_uri) as connection:
        topology.declare(connection, [q for h in handlers for q in h.all()])
    return [h.name for h in handlers]


def dead_letters(settings) -> list[dict]:
    rows = []
    with Connection(settings.amqp_uri) as connection:
        for handler in all_handler_queues():
            rows.append({"queue": handler.name,
                         "ready": queue_depth(connection, handler.name),
                         "dead_letters": queue_depth(connection, handler.dlq_name)})
    return rows


def replay(settings, queue: str, limit: int | None = None) -> dict:
    """Move dead letters back to their handler's queue, with a fresh set of attempts.

    Each message is republished (confirmed) before it is acked off the DLQ: a
    crash in between leaves a copy in both, which the handler's inbox dedupes.
    """
    dlq = f"{queue}.dlq"
    publisher = Publisher(settings.amqp_uri)
    moved = 0
    with Connection(settings.amqp_uri) as connection:
        for name in (queue, dlq):
            try:
                queue_depth(connection, name)
            except Exception as exc:  # noqa: BLE001 - amqp's NotFound closes the channel
                raise OperationFailed(f"no queue named {name}; see `cityhub dlq list`") from exc
        channel = connection.channel()
        while limit is None or moved < limit:
            message = channel.basic_get(dlq, no_ack=False)
            if message is None:
                break
            headers = {k: v for k, v in (message.headers or {}).items()
                       if k not in (ATTEMPT_HEADER, ERROR_HEADER)}
            publisher.publish(message.body, exchange="", routing_key=queue, headers=headers,
                              message_id=message.properties.get("message_id"))
            channel.basic_ack(message.delivery_tag)
            moved += 1
    publisher.close()
    return {"queue": queue, "replayed": moved}
