"""A RabbitMQ node, then one replica of every service, lost under load: nothing lost,
nothing applied twice, and the platform serving again within seconds.

The platform of the `cluster` backend: two replicas of every service and two gateways on
PostgreSQL, on a three-node RabbitMQ cluster of its own (tests/fixtures/cluster.py).
A mixed load (registrations, hold + book, pay-a-bill) runs for LOAD_SECONDS; during it
the node leading the most quorum queues is SIGKILLed, then the first replica of every
deployable. Every effect a citizen or partner would see is counted: lost (asked for and
never made) and doubled (made twice), and both must be 0.

The positive control (the second test, on the same cluster): a classic queue and a quorum
queue on one node, fed by the platform's publisher, and that node killed. While it is
gone the classic queue cannot be read at all, and the quorum queue gives every message:
counted the same way, classic queues would lose what the kill caught.
"""

import json
import random
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
from amqp.exceptions import ChannelError
from kombu import Connection
from sqlalchemy import bindparam, text

from chassis.broker import Outgoing, Publisher
from cityhub.deployables import DEPLOYABLES
from tests.e2e.test_appointments import HALL, HALL_DEPARTMENT, slots
from tests.e2e.test_real_name import citizen_at_level_1, citizen_at_level_2
from tests.e2e.test_webhooks import receiving_partner
from tests.fixtures.cluster import NODES
from tests.fixtures.platform import CLUSTER, SANDBOX
from tests.fixtures.waiting import eventually
from tests.reliability.journeys import hold_and_book, pay_a_bill, registration

pytestmark = [pytest.mark.e2e, pytest.mark.parametrize("platform", [CLUSTER], indirect=True)]

LOAD_SECONDS = 30
NODE_KILLED_AT, REPLICAS_KILLED_AT = 8, 18  # seconds into the load
REGISTRATIONS_PER_SECOND = 2
BOOKINGS = PAYMENTS = 12  # spread over the load
CONTROL = "cluster-test.control"


def test_a_node_and_a_replica_of_everything_lost_under_load_lose_and_double_nothing(
        platform, report):
    cluster = platform.cluster
    run = uuid.uuid4().hex[:8]
    webhooks_partner, receiver = receiving_partner(platform)
    with ThreadPoolExecutor(max_workers=4) as pool:
        bookers = list(pool.map(lambda _: citizen_at_level_1(platform, webhooks_partner),
                                range(BOOKINGS)))
        payers = list(pool.map(lambda _: citizen_at_level_2(platform), range(PAYMENTS)))
    places = free_slots(platform, BOOKINGS)
    leaders = cluster.leaders(platform.vhost)
    doomed = leaders.most_common(1)[0][0]

    probes = Probes(platform, run)
    jobs = schedule(run, webhooks_partner, bookers, places, payers)
    outcomes, kills = {}, {}
    with ThreadPoolExecutor(max_workers=8) as pool:
        started = time.monotonic()
        probes.start()
        futures = []
        for at, kind, key, journey in jobs:
            wait_until(started + at)
            for name, due in (("node", NODE_KILLED_AT), ("replicas", REPLICAS_KILLED_AT)):
                if name not in kills and time.monotonic() >= started + due:
                    kills[name] = kill(platform, name, doomed)
            futures.append((kind, key, pool.submit(journey, platform)))
        for kind, key, future in futures:
            outcomes.setdefault(kind, {})[key] = future.result()
        probes.stop()

    counted = {
        "citizens": citizens_counted(platform, webhooks_partner, outcomes["registration"]),
        "welcomes": notifications_counted(platform, outcomes["registration"].values(),
                                          "welcome"),
        "bookings": bookings_counted(platform, outcomes["booking"]),
        "booked notices": notifications_counted(platform, outcomes["booking"],
                                                "appointment_booked"),
        "orders": orders_counted(platform, outcomes["payment"]),
        "ledger movements": movements_counted(platform, outcomes["payment"]),
        "payment notices": notifications_counted(platform, payer_citizens(outcomes),
                                                 "payment_succeeded"),
        "agency notices": notifications_counted(platform, payer_citizens(outcomes),
                                                "payment_confirmed"),
        "webhook deliveries": deliveries_counted(platform, receiver, [
            *outcomes["registration"].values(), *outcomes["booking"]]),
    }
    report("cluster: node and replicas killed under load", {
        "node killed": doomed, "quorum queues each node led": dict(leaders),
        "serving again after (s)": {name: probes.serving_again(at) for name, at in
                                    kills.items()},
        "slowest probe within 10 s of the kill (s)": {
            name: probes.slowest_after(at) for name, at in kills.items()},
        "probes in flight at a kill that failed": {
            name: probes.in_flight_failed(at) for name, at in kills.items()},
        "probes failed": probes.failed(), "journeys": {k: len(v) for k, v in outcomes.items()},
        "counted (lost, doubled)": counted})

    assert {name: count for name, count in counted.items() if count != (0, 0)} == {}
    assert json.loads(platform.cli("ledger", "check"))["balanced"]
    for name in kills:  # the platform served again: how soon is reported, not asserted
        assert probes.serving_again(kills[name]) is not None, name


# the load

def schedule(run, partner, bookers, places, payers) -> list[tuple]:
    """(seconds into the load, kind, key, journey) in start order."""
    jobs = [(n / REGISTRATIONS_PER_SECOND, "registration", f"cluster-{run}-{n}",
             lambda p, user=f"cluster-{run}-{n}": registration(p, partner, user))
            for n in range(LOAD_SECONDS * REGISTRATIONS_PER_SECOND)]
    spacing = LOAD_SECONDS / BOOKINGS
    jobs += [(n * spacing + spacing / 3, "booking", citizen,
              lambda p, c=citizen, s=slot: hold_and_book(p, partner, c, s))
             for n, (citizen, slot) in enumerate(zip(bookers, places, strict=True))]
    jobs += [(n * spacing + 2 * spacing / 3, "payment", payer,
              lambda p, payer=payer: pay_a_bill(p, *payer))
             for n, payer in enumerate(payers)]
    return sorted(jobs, key=lambda job: job[0])


def kill(platform, what: str, node: str) -> float:
    """SIGKILL the node, or the first replica of every deployable: when."""
    at = time.monotonic()
    if what == "node":
        platform.cluster.kill(node)
    else:
        for name in DEPLOYABLES:
            platform.kill(name)
    return at


def wait_until(moment: float) -> None:
    time.sleep(max(0.0, moment - time.monotonic()))


def free_slots(platform, count: int) -> list[str]:
    """`count` places in the hall, one per slot (a citizen holds one a day anyway)."""
    soon = datetime.now(UTC) + timedelta(hours=1)
    free = [s["slot_id"] for s in slots(platform, HALL, HALL_DEPARTMENT)
            if s["released"] and s["places_left"] > 0
            and datetime.fromisoformat(s["start"]) > soon]
    assert len(free) >= count, "not enough open slots in the hall"
    return random.sample(free, count)


class Probes(threading.Thread):
    """A registration every PROBE_SECONDS through the whole load: when each began,
    ended, and whether it was answered in time."""

    PROBE_SECONDS, GOOD_SECONDS = 0.2, 1.0

    def __init__(self, platform, run: str):
        super().__init__(daemon=True)
        self.platform, self.run_id, self.results = platform, run, []
        self._stopping = threading.Event()

    def run(self):
        n = 0
        while not self._stopping.is_set():
            began = time.monotonic()
            try:
                answer = self.platform.call("POST", "/v1/citizens", {
                    "partner_user_id": f"probe-{self.run_id}-{n}", "phone": "+8613812345678",
                    "locale": "en"}, partner=SANDBOX)
                ok = answer.status_code == 201
            except Exception:  # noqa: BLE001 - any failure is a failed probe
                ok = False
            ended = time.monotonic()
            self.results.append((began, ended, ok and ended - began <= self.GOOD_SECONDS))
            n += 1
            time.sleep(max(0.0, self.PROBE_SECONDS - (ended - began)))

    def stop(self):
        self._stopping.set()
        self.join(timeout=30)

    def failed(self) -> int:
        return sum(1 for *_, good in self.results if not good)

    def serving_again(self, killed_at: float) -> float | None:
        """Seconds from the kill until requests sent are answered again: to the start of
        the first good probe after the last bad one sent since (0 if none went bad);
        None if it never served again. A request in flight at the kill whose answer
        died with the node is `in_flight_failed`."""
        since = [(began, good) for began, _, good in self.results if began >= killed_at]
        bad = [began for began, good in since if not good]
        if not bad:
            return 0.0
        later = [began for began, good in since if good and began > max(bad)]
        return round(min(later) - killed_at, 2) if later else None

    def slowest_after(self, killed_at: float, window: float = 10.0) -> float:
        """The longest answer of a probe sent in the `window` seconds after the kill."""
        return round(max((ended - began for began, ended, _ in self.results
                          if killed_at - 1 <= began <= killed_at + window), default=0.0), 2)

    def in_flight_failed(self, killed_at: float) -> int:
        return sum(1 for began, ended, good in self.results
                   if began < killed_at <= ended and not good)


# the counts: (lost, doubled) of each effect

def _rows(platform, service: str, query: str, params=None, **lists) -> list:
    """Rows of `query`; each of `lists` is bound to `IN :name`."""
    statement = text(query).bindparams(*[bindparam(name, expanding=True) for name in lists])
    with platform.engine(service).connect() as connection:
        return connection.execute(statement, (params or {}) | {
            name: list(values) for name, values in lists.items()}).all()


def _lost_and_doubled(wanted, made: dict, once: int = 1) -> tuple[int, int]:
    """`made`: how many of each wanted thing there are, where `once` is right."""
    return (sum(1 for key in wanted if made.get(key, 0) == 0),
            sum(max(0, n - once) // once for n in made.values()))


def citizens_counted(platform, partner, registered: dict) -> tuple[int, int]:
    made = dict(_rows(platform, "identity", "SELECT partner_user_id, count(*) FROM citizens "
                      "WHERE partner_id = :partner AND partner_user_id IN :users "
                      "GROUP BY partner_user_id", {"partner": partner[0]}, users=registered))
    return _lost_and_doubled(registered, made)


def notifications_counted(platform, citizens, template_id: str) -> tuple[int, int]:
    """Each citizen told once by `template_id`: lost, none came; doubled, more than one
    (one cause, one notice: each citizen here had one registration, booking or payment).
    """
    citizens = set(citizens)

    def told():
        return dict(_rows(platform, "notify", "SELECT citizen_id, count(*) FROM notifications "
                          "WHERE template_id = :template AND citizen_id IN :citizens "
                          "GROUP BY citizen_id", {"template": template_id},
                          citizens=citizens))
    eventually(lambda: set(told()) >= citizens, timeout=60, interval=0.5)
    time.sleep(1)  # any duplicate would land now
    return _lost_and_doubled(citizens, told())


def bookings_counted(platform, bookings: dict) -> tuple[int, int]:
    """Each citizen's one visit booked once; a place taken twice or leaked is doubled."""
    booked = dict(_rows(platform, "appointments", "SELECT citizen_id, count(*) FROM "
                        "appointments WHERE status = 'booked' AND citizen_id IN :citizens "
                        "GROUP BY citizen_id", citizens=bookings))
    places = _rows(platform, "appointments", "SELECT s.taken, (SELECT count(*) FROM "
                   "appointments a WHERE a.slot_id = s.id AND a.status <> 'cancelled') "
                   "FROM slots s WHERE s.id IN (SELECT slot_id FROM appointments WHERE id "
                   "IN :ids)", ids=bookings.values())
    lost, doubled = _lost_and_doubled(bookings, booked)
    return lost, doubled + sum(abs(taken - active) for taken, active in places)


def orders_counted(platform, payments: dict) -> tuple[int, int]:
    """One order per journey, each ending confirmed by the agency."""
    ids = list(payments.values())

    def confirmed():
        return dict(_rows(platform, "payments", "SELECT id, status FROM payments WHERE id IN "
                          ":ids", ids=ids))
    eventually(lambda: all(s == "agency_confirmed" for s in confirmed().values())
               and len(confirmed()) == len(ids), timeout=120, interval=0.5)
    status = confirmed()
    orders = dict(_rows(platform, "payments", "SELECT citizen_id, count(*) FROM payments "
                        "WHERE citizen_id IN :citizens GROUP BY citizen_id",
                        citizens=[citizen for _, citizen in payments]))
    lost = sum(1 for pid in ids if status.get(pid) != "agency_confirmed")
    return lost, sum(n - 1 for n in orders.values())


def movements_counted(platform, payments: dict) -> tuple[int, int]:
    """Each order's money in booked once, in two entries (double entry)."""
    entries = dict(_rows(platform, "payments", "SELECT payment_id, count(*) FROM "
                         "ledger_entries WHERE movement LIKE :paid AND payment_id IN :ids "
                         "GROUP BY payment_id", {"paid": "%:paid"}, ids=payments.values()))
    return _lost_and_doubled(payments.values(), entries, once=2)


def payer_citizens(outcomes) -> list[str]:
    return [citizen for _, citizen in outcomes["payment"]]


def deliveries_counted(platform, receiver: str, citizens) -> tuple[int, int]:
    """Each notification of these citizens taken by the partner's endpoint under one
    event id: lost, never taken; doubled, taken as two events. The same event posted
    again (the courier lost with its answer) is the at-least-once the partner
    deduplicates by id, and is not a double."""
    notifications = {row[0] for row in _rows(platform, "notify", "SELECT id FROM "
                                             "notifications WHERE citizen_id IN :citizens",
                                             citizens=set(citizens))}

    def taken():
        events = {}
        for record in platform.received(receiver):
            if record["answered"] < 300:
                notification = record["body"]["data"]["notification"]["notification_id"]
                events.setdefault(notification, set()).add(record["event_id"])
        return events
    eventually(lambda: set(taken()) >= notifications, timeout=60, interval=0.5)
    time.sleep(1)
    events = taken()
    return _lost_and_doubled(notifications, {n: len(events.get(n, ())) for n in
                                             notifications})


def test_while_its_node_is_gone_a_classic_queue_gives_nothing_and_a_quorum_queue_everything(
        platform, report):
    cluster = platform.cluster
    dead = [node for node in NODES if not cluster.answers(node, platform.vhost)]
    for node in dead:  # the first test's node: rejoining it keeps a majority below
        began = time.monotonic()
        cluster.revive(node)
        report(f"cluster: node {node} rejoined", {"seconds": round(time.monotonic() - began)})
    node = cluster.leaders(platform.vhost).most_common(1)[0][0]
    other = next(n for n in NODES if n != node)
    with Connection(cluster.uri(platform.vhost, nodes=[node])) as connection:
        channel = connection.channel()
        channel.exchange_declare(CONTROL, "topic", durable=True, auto_delete=False)
        for kind, arguments in QUEUE_TYPES.items():
            channel.queue_declare(f"{CONTROL}.{kind}", durable=True, auto_delete=False,
                                  arguments=arguments)
            channel.queue_bind(f"{CONTROL}.{kind}", CONTROL, "#")
    publisher = Publisher(cluster.uri(platform.vhost, nodes=[other]))
    sent = [publish_until_taken(publisher, n) for n in range(CONTROL_MESSAGES // 2)]
    cluster.kill(node)
    sent += [publish_until_taken(publisher, n) for n in range(CONTROL_MESSAGES // 2,
                                                                CONTROL_MESSAGES)]
    publisher.close()
    got = {kind: readable(cluster.uri(platform.vhost, nodes=[other]), f"{CONTROL}.{kind}")
           for kind in QUEUE_TYPES}
    lost = {kind: CONTROL_MESSAGES - len(set(got[kind])) for kind in QUEUE_TYPES}
    report("cluster: control, one node lost", {"sent": CONTROL_MESSAGES, "lost": lost,
                                                "refused and sent again": sum(sent)})
    assert lost == {"classic": CONTROL_MESSAGES, "quorum": 0}


CONTROL_MESSAGES = 40
QUEUE_TYPES = {"classic": {}, "quorum": {"x-queue-type": "quorum",
                                         "x-queue-leader-locator": "client-local"}}


def publish_until_taken(publisher, n: int) -> int:
    """Publish message `n` as the outbox relay does, again until the broker takes it: how
    many times it was refused."""
    for refused in range(50):
        if publisher.publish_many([Outgoing({"n": n}, CONTROL, "control",
                                            message_id=str(n))]) == [None]:
            return refused
        time.sleep(0.2)
    raise AssertionError(f"the broker never took control message {n}")


def readable(uri: str, queue: str) -> list[int]:
    """The messages a consumer can read from `queue` now (none if it cannot be read)."""
    got = []
    with Connection(uri) as connection:
        channel = connection.channel()
        try:
            while (message := channel.basic_get(queue, no_ack=True)) is not None:
                got.append(json.loads(message.body)["n"])
        except ChannelError:  # 404: its home node is down or inaccessible
            pass
    return got
