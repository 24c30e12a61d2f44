"""What the `cityhub` commands do, callable from tests too."""

import sys
from datetime import UTC, datetime, timedelta

from kombu import Connection
from sqlalchemy.orm import sessionmaker

from chassis import sandbox_clock, topology
from chassis.broker import Publisher
from chassis.db import make_engine
from chassis.events import ATTEMPT_HEADER, ERROR_HEADER, handler_queues_of
from chassis.migrations import upgrade
from chassis.queue_moves import move_all
from chassis.rpc import rpc_queues_of
from chassis.topology import queue_depth
from cityhub.deployables import DEPLOYABLES
from contracts.time import iso_utc
from gateway import repository as partners
from gateway import signing
from gateway.auth import SANDBOX_APP_ID


class OperationFailed(Exception):
    pass


def migrate(settings, names=()) -> None:
    for name in names or DEPLOYABLES:
        if name not in DEPLOYABLES:
            raise OperationFailed(f"no such deployable: {name}")
        upgrade(DEPLOYABLES[name].package, settings.database_url(name))


def _session(settings, name: str):
    engine = make_engine(settings.database_url(name))
    return engine, sessionmaker(bind=engine).begin()


def seed(settings) -> dict:
    """Demo reference data for every service that has some, and the sandbox partner."""
    seeded = {}
    for name, deployable in DEPLOYABLES.items():
        if (seed_data := deployable.seed_function()) is not None:
            engine, transaction = _session(settings, name)
            try:
                with transaction as session:
                    seeded[name] = seed_data(session)
            except ValueError as exc:  # reference data that contradicts what is stored
                raise OperationFailed(f"{name}: {exc}") from exc
            finally:
                engine.dispose()
    if settings.env != "production":
        set_partner_secret(settings, SANDBOX_APP_ID, settings.sandbox_secret)
        seeded["partners"] = [SANDBOX_APP_ID]
    return seeded


def set_partner_secret(settings, app_id: str, secret: str, create_only: bool = False,
                       kiosk_institution: str | None = None) -> None:
    engine, transaction = _session(settings, "gateway")
    try:
        with transaction as session:
            if create_only and partners.partner(session, app_id) is not None:
                raise OperationFailed(f"partner {app_id} already exists")
            partners.save_partner(session, settings, app_id, secret, kiosk_institution)
    finally:
        engine.dispose()


def create_partner(settings, app_id: str, kiosk_for: str | None = None) -> dict:
    """A new partner and its secret; `kiosk_for`: an institution's check-in kiosk."""
    if not signing.APP_ID.match(app_id):
        raise OperationFailed("APP_ID must be 1-64 characters of A-Z a-z 0-9 _ -")
    secret = signing.new_secret()
    set_partner_secret(settings, app_id, secret, create_only=True, kiosk_institution=kiosk_for)
    made = {"app_id": app_id, "secret": secret}
    return made | {"kiosk_for": kiosk_for} if kiosk_for else made


def partner_limits(settings, app_id: str, per_minute: int | None = None,
                   sensitive_per_minute: int | None = None, default: bool = False) -> dict:
    """Show, set or clear (`default`) a partner's rate limits: requests a minute in all,
    and a minute per citizen on sensitive routes. The gateways take them up within
    their partner cache's 30 seconds."""
    for value in (per_minute, sensitive_per_minute):
        if value is not None and not 1 <= value <= 10_000_000:
            raise OperationFailed("a limit is 1 to 10,000,000 requests a minute")
    engine, transaction = _session(settings, "gateway")
    try:
        with transaction as session:
            found = partners.partner(session, app_id)
            if found is None:
                raise OperationFailed(f"no partner {app_id}")
            if default:
                found.requests_per_minute = found.sensitive_per_minute = None
            if per_minute is not None:
                found.requests_per_minute = per_minute
            if sensitive_per_minute is not None:
                found.sensitive_per_minute = sensitive_per_minute
            return {"app_id": app_id,
                    "requests_per_minute": found.requests_per_minute
                    or settings.partner_requests_per_minute,
                    "sensitive_per_minute": found.sensitive_per_minute
                    or settings.sensitive_requests_per_minute,
                    "own": {"requests_per_minute": found.requests_per_minute,
                            "sensitive_per_minute": found.sensitive_per_minute}}
    finally:
        engine.dispose()


def move_clock(settings, action: str | None, seconds: float | None,
               moment: str | None) -> dict:
    """Show or move the sandbox clock: {"now", "offset_seconds"}. It moves the services
    started with CITYHUB_SANDBOX_CLOCK=1 (`make up` starts them so); this command's own
    settings cannot tell whether they were."""
    if settings.env == "production":
        raise OperationFailed("the sandbox clock does not run in production")
    try:
        if action == "advance":
            sandbox_clock.set_offset(settings.redis_url,
                                     sandbox_clock.offset(settings.redis_url) + seconds)
        elif action == "set":
            sandbox_clock.set_offset(settings.redis_url,
                                     (_moment(moment) - datetime.now(UTC)).total_seconds())
        elif action == "reset":
            sandbox_clock.set_offset(settings.redis_url, 0)
    except ValueError as exc:
        raise OperationFailed(str(exc)) from None
    shift = sandbox_clock.offset(settings.redis_url)
    return {"now": iso_utc(datetime.now(UTC) + timedelta(seconds=shift)),
            "offset_seconds": shift}


def _moment(text: str) -> datetime:
    try:
        target = datetime.fromisoformat(text)
    except ValueError:
        raise OperationFailed("MOMENT must be ISO 8601, e.g. 2026-12-02T07:00:00+08:00") \
            from None
    if target.tzinfo is None:
        raise OperationFailed("MOMENT needs its offset (+08:00 for the city)")
    return target


def all_handler_queues() -> list[topology.HandlerQueues]:
    return [queues for deployable in DEPLOYABLES.values()
            for queues in handler_queues_of(deployable.service_class())]


def all_rpc_queues(settings) -> list:
    config = {"AMQP_URI": settings.amqp_uri}
    return [queue for deployable in DEPLOYABLES.values()
            for queue in rpc_queues_of(deployable.service_class(), config)]


def declare_topology(settings) -> dict:
    """Move the queues an earlier release declared otherwise (classic queues) with their
    messages, then declare every exchange, queue and binding."""
    handlers = all_handler_queues()
    declared = [q for h in handlers for q in h.all()] + all_rpc_queues(settings)
    with Connection(settings.amqp_uri) as connection:
        moved = move_all(connection, topology.every_queue(declared),
                         {h.retry_name: h.name for h in handlers})
        topology.declare(connection, declared)
        # The unbounded queue of earlier releases; what it held was never read.
        connection.default_channel.queue_delete(topology.LEGACY_UNROUTED_QUEUE)
    return {"declared": [h.name for h in handlers], "moved": moved}


def dead_letters(settings) -> list[dict]:
    rows = []
    with Connection(settings.amqp_uri) as connection:
        for handler in all_handler_queues():
            rows.append({"queue": handler.name,
                         "ready": queue_depth(connection, handler.name),
                         "dead_letters": queue_depth(connection, handler.dlq_name)})
        rows.append({"queue": topology.UNROUTED_QUEUE,
                     "unrouted": queue_depth(connection, topology.UNROUTED_QUEUE)})
    return rows


def replay(settings, queue: str, limit: int | None = None) -> dict:
    """Move dead letters back to their handler's queue, with a fresh set of attempts.

    Each message is republished (confirmed) before it is acked off the DLQ: a
    crash in between leaves a copy in both, which the handler's inbox dedupes.
    """
    dlq = topology.dlq_name(queue)
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


def refresh_bills(settings, batch: int = 50) -> dict:
    """Ask payments to fetch the new bills of every linked account not refreshed this
    city day, a batch at a time, with a progress bar on stderr. An account whose
    agency did not answer is counted in `failed` and left for the next run."""
    from nameko.standalone.rpc import ClusterRpcProxy
    from tqdm import tqdm

    totals = {"refreshed": 0, "failed": 0, "issued": 0}
    config = {"AMQP_URI": settings.amqp_uri, "serializer": "json"}
    with ClusterRpcProxy(config, timeout=120) as cluster, \
            tqdm(desc="accounts", unit="account", file=sys.stderr) as progress:
        after = None
        while True:
            done = cluster.payments.refresh_bills(after, batch)
            for name in totals:
                totals[name] += done[name]
            progress.total = progress.n + done["refreshed"] + done["failed"] + done["left"]
            progress.update(done["refreshed"] + done["failed"])
            after = done["next"]
            if after is None:
                return totals


def refund(settings, payment_id: str, amount: int, refundable: int, request_no: str,
           reason: str) -> dict:
    """Ops' refund, through payments (which refuses a stale `refundable` with 412)."""
    from nameko.standalone.rpc import ClusterRpcProxy

    import chassis.rpc  # noqa: F401 - registers the typed errors, so they arrive as such
    from contracts.errors import CityHubError

    config = {"AMQP_URI": settings.amqp_uri, "serializer": "json"}
    with ClusterRpcProxy(config, timeout=30) as cluster:
        try:
            return cluster.payments.refund(payment_id, amount, refundable, request_no, reason)
        except CityHubError as refused:
            raise OperationFailed(f"{refused.code}: {refused.message}") from None


def check_ledger(settings) -> dict:
    """What `cityhub ledger check` reports: the sum of every entry (0), the movements
    whose two sides do not cancel (none), and each account's balance."""
    from services.payments import repository as payments

    engine, transaction = _session(settings, "payments")
    try:
        with transaction as session:
            total = payments.ledger_total(session)
            unbalanced = payments.unbalanced_movements(session)
            balances = payments.balances(session)
    finally:
        engine.dispose()
    return {"balanced": total == 0 and not unbalanced, "total_cents": total,
            "unbalanced_movements": unbalanced, "balances": balances}


def reconcile(settings, day: str | None) -> dict:
    """`cityhub reconcile`: the day's three-way match, run here rather than in payments
    (a day of 100,000 orders outlasts any RPC timeout), settling what it can; the
    mismatch events go into payments' outbox, which its relay publishes."""
    from datetime import UTC, date, datetime, timedelta

    from tqdm import tqdm

    from chassis.db import StandaloneDatabase
    from contracts.time import city_day
    from services.payments.adapters import HttpProvider, ProviderUnavailable
    from services.payments.models import Outbox
    from services.payments.use_cases.ordering import Terms
    from services.payments.use_cases.reconciling import reconcile as match_day

    try:
        wanted = date.fromisoformat(day) if day else (
            city_day(datetime.now().astimezone()) - timedelta(days=1))
    except ValueError:
        raise OperationFailed(f"--date must be YYYY-MM-DD, not {day!r}") from None
    provider = HttpProvider(settings.payment_provider_url,
                            settings.payment_provider_public_key,
                            settings.payment_provider_timeout_seconds)
    database = StandaloneDatabase("payments", settings.database_url("payments"), Outbox)
    try:
        with tqdm(desc=f"reconcile {wanted}", unit="line", file=sys.stderr) as progress:
            return match_day(database.unit_of_work(), provider, Terms(settings), wanted,
                             settings.var_dir / "reports", datetime.now(UTC),
                             progress.update)
    except ProviderUnavailable as exc:
        raise OperationFailed(f"no statement from the provider: {exc}") from None
    finally:
        database.close()


def matters_report(settings, since: str | None = None) -> dict:
    """好差评 by agency: ratings by level since the city day `since` (all without it),
    and the rectification tasks poor ones opened: open, overdue, closed in time or
    late."""
    from datetime import date

    from chassis.db import StandaloneDatabase
    from contracts.time import CITY_TIME
    from services.matters.use_cases import rating

    start = None
    if since is not None:
        try:
            start = datetime.combine(date.fromisoformat(since), datetime.min.time(), CITY_TIME)
        except ValueError:
            raise OperationFailed(f"{since!r} is not a day (YYYY-MM-DD)") from None
    now = datetime.now(UTC)
    if settings.sandbox_clock:
        now += timedelta(seconds=sandbox_clock.offset(settings.redis_url))
    database = StandaloneDatabase("matters", settings.database_url("matters"))
    try:
        return {"since": since, **rating.report(database.unit_of_work(), start, now)}
    finally:
        database.close()


def holidays(settings, action: str, day: str | None = None, year: int | None = None,
             working: bool | None = None, name: str | None = None):
    """The working-day calendar in matters: list a year's corrections of the weekday
    rule, set a day off or worked, or clear a day back to the weekday rule."""
    from datetime import date

    from services.matters import repository
    from services.matters.domain.working_days import correction_problem

    if day is not None:
        try:
            day = date.fromisoformat(day)
        except ValueError:
            raise OperationFailed(f"{day!r} is not a day (YYYY-MM-DD)") from None
    engine, transaction = _session(settings, "matters")
    try:
        with transaction as session:
            if action == "list":
                return [{"day": d.day.isoformat(), "working": d.working, "name": d.name,
                         "set_by": d.set_by} for d in repository.calendar_days(session, year)]
            if action == "set":
                if problem := correction_problem(day, working):
                    raise OperationFailed(problem)
                repository.set_day(session, day, working, name)
                return {"day": day.isoformat(), "working": working, "name": name}
            return {"day": day.isoformat(), "cleared": repository.clear_day(session, day)}
    finally:
        engine.dispose()
