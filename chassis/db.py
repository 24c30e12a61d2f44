"""SQLAlchemy for Nameko services: one unit of work per worker.

`Database` is a DependencyProvider. A worker gets a `UnitOfWork`; each
`uow.transaction()` commits the state change and its outbox events together,
then wakes the outbox relay so the events leave at once.
"""

import threading
import time
from contextlib import contextmanager
from functools import cache

from nameko.extensions import DependencyProvider
from sqlalchemy import create_engine, event, insert
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.orm import sessionmaker

from chassis import metrics, topology
from chassis.outbox import OutboxRelay
from chassis.settings import settings_of
from chassis.timestamps import utcnow
from contracts.events import Event, EventEnvelope, events_exchange


def make_engine(url: str, pool_size: int = 10, max_overflow: int = 4) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record):
            # WAL lets readers work while the relay or a handler writes.
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA busy_timeout=30000")
            # In WAL mode NORMAL survives a process crash (the faults we promise
            # to survive) and skips an fsync per commit; only an OS crash or power
            # loss can undo the last commits. Production uses PostgreSQL.
            cursor.execute("PRAGMA synchronous=NORMAL")
            # Keys are random (uuids, HMACs), so inserts touch pages all over
            # each index; SQLite's 2 MiB default cache made every write slower
            # as the tables grew.
            cursor.execute("PRAGMA cache_size=-32768")
            cursor.close()

        return engine
    engine = create_engine(url, pool_size=pool_size, max_overflow=max_overflow)
    ping_when_idle(engine)
    return engine


# A connection used this recently is trusted without a ping.
PING_AFTER_IDLE_SECONDS = 2.0


def ping_when_idle(engine: Engine) -> None:
    """Check a pooled connection before use only if it sat idle in the pool.

    A ping on every checkout (`pool_pre_ping`) cost a round trip per transaction,
    about a tenth of notify's CPU on PostgreSQL. An idle connection is the one a
    database restart leaves dead without anyone noticing; a busy one fails on its
    next statement, and SQLAlchemy then discards every connection the pool held.
    """

    @event.listens_for(engine, "checkin")
    def _returned(_dbapi_connection, record):
        record.info["returned_at"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _taken(dbapi_connection, record, _proxy):
        returned_at = record.info.get("returned_at")
        if returned_at is None or time.monotonic() - returned_at < PING_AFTER_IDLE_SECONDS:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except engine.dialect.loaded_dbapi.Error as exc:
            # The pool drops this connection and tries a fresh one.
            raise DisconnectionError() from exc


def new_event(source: str, event_type: str, payload: dict, *, citizen_id: str | None = None,
              correlation_id: str | None = None) -> EventEnvelope:
    return EventEnvelope(type=event_type, source=source, payload=payload,
                         citizen_id=citizen_id, correlation_id=correlation_id)


def outbox_row(envelope: EventEnvelope, routing_key: str | None = None) -> dict:
    return {
        "event_id": envelope.event_id,
        "exchange": events_exchange(envelope.source),
        "routing_key": routing_key or envelope.type,
        "body": envelope.model_dump_json(),
        "correlation_id": envelope.correlation_id,
        "created_at": envelope.occurred_at,
        "attempts": 0,
    }


def upsert(dialect: str, table):
    """An INSERT that takes ON CONFLICT (DO NOTHING / DO UPDATE), in the spelling of
    `dialect` ("postgresql" or "sqlite", a connection's `dialect.name`)."""
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as dialect_insert
    elif dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert as dialect_insert
    else:  # pragma: no cover - we only run on these two
        raise ValueError(f"no ON CONFLICT for {dialect}")
    return dialect_insert(table)


def insert_or_skip(connection: Connection, table):
    """INSERT … ON CONFLICT DO NOTHING into `table`, in the connection's dialect; its
    `rowcount` says whether the row went in. Built once per table and dialect:
    SQLAlchemy reuses a statement object's compiled form without working out its cache
    key again."""
    return _insert_or_skip(connection.dialect.name, table)


@cache
def _insert_or_skip(dialect: str, table):
    return upsert(dialect, table).on_conflict_do_nothing()


def claim_event(connection: Connection, inbox_model, consumer: str, event_id: str) -> bool:
    """Record that `consumer` applies `event_id`; False if it already has.

    Runs in the handler's own transaction: if the handler fails, the claim is
    rolled back with its effects. A concurrent duplicate waits on the primary
    key and then finds the row.
    """
    result = connection.execute(insert_or_skip(connection, inbox_model.__table__), {
        "consumer": consumer, "event_id": event_id, "handled_at": utcnow()})
    return result.rowcount == 1


class UnitOfWork:
    """A worker's transactions and the events each one publishes.

    Events are kept per (green) thread: a worker that runs steps at once in green
    threads (payments' timers) shares its unit of work, and one step's commit must
    neither carry another's events nor, rolled back, drop them. Found when ten
    concurrent steps on PostgreSQL wrote one event twice.
    """

    def __init__(self, provider: "Database", worker_ctx):
        self._provider = provider
        self._worker_ctx = worker_ctx
        self._events_by_thread: dict[int, list[tuple[EventEnvelope, str]]] = {}

    @property
    def _events(self) -> list[tuple[EventEnvelope, str]]:
        return self._events_by_thread.setdefault(threading.get_ident(), [])

    def _done(self) -> bool:
        """Forget this thread's events; True if it had any."""
        return bool(self._events_by_thread.pop(threading.get_ident(), None))

    @property
    def request_id(self) -> str | None:
        return self._worker_ctx.data.get("request_id") if self._worker_ctx else None

    @property
    def consumer(self) -> str:
        entrypoint = self._worker_ctx.entrypoint
        return f"{entrypoint.container.service_name}.{entrypoint.method_name}"

    @contextmanager
    def transaction(self):
        try:
            with self._provider.sessionmaker.begin() as session:
                yield session
                self._flush_events(session.connection())
        except BaseException:
            self._done()  # rolled back: these events never happened
            raise
        if self._done():
            self._provider.wake_relay()

    @contextmanager
    def core_transaction(self):
        """A Core connection in one transaction, for hot paths that only run
        statements: an ORM session costs some 80 microseconds more per transaction.
        Events published inside it go to the outbox in the same transaction."""
        try:
            with self._provider.engine.begin() as connection:
                yield connection
                self._flush_events(connection)
        except BaseException:
            self._done()
            raise
        if self._done():
            self._provider.wake_relay()

    @contextmanager
    def read(self):
        with self._provider.sessionmaker() as session:
            yield session

    @contextmanager
    def core_read(self):
        """A plain Core connection for reads on hot paths (see core_transaction)."""
        with self._provider.engine.connect() as connection:
            yield connection

    def publish(self, event: Event):
        """Queue an event for the outbox of the transaction in progress."""
        if self._provider.base_outbox is None:
            raise RuntimeError("this service has no outbox: declare Database(Outbox, ...)")
        source = self._provider.service_name
        if event.SOURCE != source:
            raise ValueError(f"{source} cannot publish {event.SOURCE}'s {event.TYPE}")
        envelope = new_event(source, event.TYPE, event.model_dump(mode="json"),
                             citizen_id=getattr(event, "citizen_id", None),
                             correlation_id=self.request_id)
        self._events.append((envelope, event.routing_key()))

    def claim(self, connection: Connection, event_id: str) -> bool:
        """True the first time this handler sees `event_id` (see `claim_event`);
        `connection` is that of a core_transaction."""
        return claim_event(connection, self._provider.base_inbox, self.consumer, event_id)

    def _flush_events(self, connection: Connection):
        if self._events:
            # A Core insert: the ORM's unit of work costs more than the write.
            connection.execute(self._provider.insert_outbox,
                               [outbox_row(envelope, routing_key)
                                for envelope, routing_key in self._events])


class Database(DependencyProvider):
    """`db = Database(Outbox, Inbox)` on a service class.

    Only a service that publishes passes its Outbox (and so runs a relay); only one
    that consumes events passes its Inbox.
    """

    def __init__(self, outbox_model=None, inbox_model=None):
        self.base_outbox = outbox_model
        self.base_inbox = inbox_model
        self.engine = None
        self.sessionmaker = None
        self.relay = None

    @property
    def service_name(self) -> str:
        return self.container.service_name

    def setup(self):
        settings = settings_of(self.container)
        url = settings.database_url(self.service_name)
        self.engine = make_engine(url, settings.database_pool_size
                                  or self.container.max_workers + 2,
                                  settings.database_max_overflow)
        self.sessionmaker = sessionmaker(bind=self.engine, expire_on_commit=False)
        if self.base_outbox is not None:
            self.insert_outbox = insert(self.base_outbox.__table__)

    def start(self):
        if self.base_outbox is not None:
            settings = settings_of(self.container)
            self.relay = OutboxRelay(self.engine, self.base_outbox, settings,
                                     self.service_name)
            self.container.spawn_managed_thread(self.relay.run, identifier="outbox-relay")
            # A publisher is where an event with no binding comes from: say how many there are.
            self.container.spawn_managed_thread(
                lambda: topology.watch_depth(settings.amqp_uri, topology.UNROUTED_QUEUE,
                                             metrics.UNROUTED_EVENTS),
                identifier="unrouted-depth")

    def stop(self):
        if self.relay is not None:
            self.relay.stop()
        if self.engine is not None:
            self.engine.dispose()

    def kill(self):
        self.stop()

    def wake_relay(self):
        if self.relay is not None:
            self.relay.wake()

    def get_dependency(self, worker_ctx):
        return UnitOfWork(self, worker_ctx)


class StandaloneDatabase:
    """A service's database for a command run outside the service's process (`cityhub
    reconcile`): the same unit of work, with events left in the outbox for the
    service's relay, which polls for rows it did not write itself."""

    def __init__(self, service_name: str, url: str, outbox_model=None):
        self.service_name = service_name
        self.engine = make_engine(url)
        self.sessionmaker = sessionmaker(bind=self.engine, expire_on_commit=False)
        self.base_outbox, self.base_inbox = outbox_model, None
        if outbox_model is not None:
            self.insert_outbox = insert(outbox_model.__table__)

    def wake_relay(self):
        pass  # another process's relay: it polls

    def unit_of_work(self) -> UnitOfWork:
        return UnitOfWork(self, None)

    def close(self):
        self.engine.dispose()
