"""One typed settings object, read from the environment when asked for.

Nothing here connects to anything: callers build clients from these values when
their extension starts, never at import time.
"""

import random
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlsplit

from nameko.extensions import DependencyProvider
from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEV_SANDBOX_SECRET = "sandbox-secret"
DEV_SMS_CALLBACK_SECRET = "sms-sandbox-secret"
# A fixed development key so that `make up` works with no setup. Production
# refuses to start with it (see `check_production`).
DEV_DATA_KEY = "dev1:Y2l0eWh1Yi1kZXZlbG9wbWVudC1rZXktMzJieXRlcyE="
DEV_ASSERTION_KEY = "dev-ed1:Y2l0eWh1Yi1kZXYtYXNzZXJ0aW9uLWtleS0zMmJ5dGU="
DEV_RECEIPT_KEY = "dev-rcpt1:Y2l0eWh1Yi1kZXYtcmVjZWlwdC1rZXktMzJieXRlcyE="
# The provider sandbox's public key (sandboxes/provider_test_key.py holds its
# private half): production refuses it, as it refuses the other development keys.
DEV_PROVIDER_PUBLIC_KEY = """\
-----BEGIN PUBLIC KEY-----
MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAytWa/Z0BOKA+IDsOOSIQ
Eb82TGU22z7rbl6JXWqFBzR7t+I583J5hxczBfrnctRshJ8bbNB7pUgObqIwCkrR
J1PJdpexEMwlG0jBVmlynW7opOjJK5dGknQ481xjk4QXwB5PjPAplnFByJ/4f6YG
RIvQnEvLsm0YDH6y7uz/c/A834ePjR9z5AkybVbhz2u20SW6zhfs17pOrhZ4/+PP
jq+JZ4/4jCZ9sC6SHelTHBkE/O7JErvWvSo0VMvsIGiWh/nILElQIfPglHjblykX
YV+z0CZafWeKxNCgBngOOqz+Mnpb79AvCddpnnT/brDmMJyEpY9oAe7xt4qKheIx
ZwIDAQAB
-----END PUBLIC KEY-----
"""


def amqp_addresses(amqp_uri: str) -> list[str]:
    """The brokers a URI names: one, or a cluster's nodes joined by ';' (kombu's form)."""
    return [address.strip() for address in amqp_uri.split(";") if address.strip()]


class Settings(BaseSettings):
    # hide_input_in_errors: a refused value may be a secret (a broker URI's password).
    model_config = SettingsConfigDict(env_prefix="CITYHUB_", extra="ignore",
                                      hide_input_in_errors=True)

    env: str = "development"
    var_dir: Path = Path("var")

    amqp_uri: str = "amqp://guest:guest@127.0.0.1:5672/"
    redis_url: str = "redis://127.0.0.1:6379/0"

    # One database per deployable; empty means a SQLite file under var_dir.
    identity_database_url: str = ""
    payments_database_url: str = ""
    appointments_database_url: str = ""
    notify_database_url: str = ""
    matters_database_url: str = ""
    gateway_database_url: str = ""

    gateway_host: str = "127.0.0.1"
    gateway_port: int = 8000
    metrics_host: str = "127.0.0.1"
    # Added to every metrics port, so that test runs do not clash with `make up`.
    metrics_port_offset: int = 0

    # Prefetch equals max_workers in Nameko, so this sets both on purpose.
    max_workers: int = 10
    # Connections each process keeps open to its PostgreSQL database (0: max_workers +
    # 2, one per worker and the timers), and how many more it opens at a peak: size
    # PostgreSQL's max_connections for the sum over every replica (docs/operations.md).
    database_pool_size: int = 0
    database_max_overflow: int = 4
    # The gateway's workers mostly wait on services (green threads, a few KiB each), and
    # one slow service holds each of its callers up to that service's deadline: with
    # ten, a citizen's overview with one service down (0.25 s a call) capped the whole
    # gateway at about 30 requests a second (bench/README.md, "The hub").
    gateway_max_workers: int = 100
    # Short heartbeats let the broker notice a dead consumer (and redeliver its
    # unacked messages) within seconds rather than minutes.
    amqp_heartbeat: int = 10
    rpc_timeout_seconds: float = 5.0

    sandbox_secret: str = DEV_SANDBOX_SECRET
    # "kid:base64(32 bytes)" pairs, comma separated; the first encrypts.
    data_keys: str = DEV_DATA_KEY
    blind_index_key: str = "dev-blind-index-key"
    # "kid:base64(32-byte Ed25519 seed)" pairs; the first signs assertions.
    assertion_keys: str = DEV_ASSERTION_KEY
    assertion_lifetime_seconds: int = 300

    signature_window_seconds: int = 300
    max_body_bytes: int = 64 * 1024
    # The gateway's HTTP limits (docs/operations.md, "The gateway under load"):
    # the request line and headers, and then the body, must each arrive within
    # this; a client that sends less holds no connection longer.
    http_read_timeout_seconds: float = 10.0
    # Connections beyond this are answered 503 at once and closed.
    http_max_connections: int = 1000
    # The longest a request waits for a free worker; one that cannot start by
    # then is answered 503 with Retry-After and never started later.
    http_queue_seconds: float = 2.0
    # A comment line on every idle live stream this often, so proxies keep it open.
    stream_heartbeat_seconds: float = 15.0
    # How often notify looks for scheduled sends that are due.
    schedule_poll_seconds: float = 1.0
    # Partner webhooks (docs/api.md, "Webhooks"): how often notify looks for
    # deliveries due, how long an endpoint has to answer, how many deliveries
    # go in one batch and at once to one endpoint, how many partners are sent
    # to at once, and how long a notify process holds a partner before another
    # may take over (after a crash).
    # How often notify hands the texts that are due to the SMS gateway.
    text_poll_seconds: float = 0.5
    # Non-critical texts (and e-mails) one citizen gets in a city day, each channel.
    non_critical_daily_cap: int = 10
    webhook_poll_seconds: float = 0.25
    webhook_timeout_seconds: float = 5.0
    webhook_batch_size: int = 50
    webhook_connections_per_host: int = 10
    webhook_partners_at_once: int = 32
    webhook_lease_seconds: float = 30.0

    outbox_poll_seconds: float = 0.5
    handler_max_attempts: int = 5
    handler_backoff_seconds: list[float] = Field(default=[0.2, 1.0, 5.0, 15.0])

    # Outside systems; in development all are the sandboxes on one port.
    registry_url: str = "http://127.0.0.1:8101"
    sms_url: str = "http://127.0.0.1:8101"
    face_url: str = "http://127.0.0.1:8101"
    # Where outside systems call the hub back (the gateway's public address);
    # empty: the gateway's own host and port, as in development.
    public_url: str = ""
    # The SMS gateway signs its delivery receipts with this (HMAC-SHA256).
    sms_callback_secret: str = DEV_SMS_CALLBACK_SECRET
    # Where notify sends e-mail (SMTP): the mail sandbox in development.
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 8125
    mail_from: str = "City Services <noreply@cityhub.example>"
    sandbox_smtp_port: int = 8125
    sandbox_host: str = "127.0.0.1"
    # Payments (docs/operations.md, "Payments"). The agencies that issue bills, and
    # the payment provider with the public key its notifications are signed with.
    agency_url: str = "http://127.0.0.1:8101"
    payment_provider_url: str = "http://127.0.0.1:8101"
    payment_provider_public_key: str = DEV_PROVIDER_PUBLIC_KEY
    # "kid:base64(32-byte Ed25519 seed)" pairs; the first signs e-receipts, all verify.
    receipt_keys: str = DEV_RECEIPT_KEY
    payment_provider_timeout_seconds: float = 5.0
    # How long a citizen has to pay an order at the provider's cashier.
    payment_order_seconds: float = 900.0
    # The janitor asks the provider about an open order this long after it was
    # made, then waits twice as long each time, never longer than the second.
    payment_first_query_seconds: float = 120.0
    payment_longest_query_wait_seconds: float = 600.0
    # After an unpaid trade closes, the janitor asks about it for this long (late money
    # is refunded), at most the second apart: services/payments/domain/janitor.py.
    payment_watch_after_close_seconds: float = 90000.0
    payment_longest_watch_wait_seconds: float = 3600.0
    # A replica takes each unit of a timer's work that calls outside (an order to ask
    # the provider about, a write-off, a refund, a message to an agency) for this long,
    # then it is due again for any replica (chassis/claims.py): longer than an outside
    # call's timeout, and how long work held by a replica that died waits.
    work_lease_seconds: float = 30.0
    # How often payments looks for orders to ask about or close, and for
    # payments to confirm to their agency (retried with the same backoff).
    payment_janitor_poll_seconds: float = 5.0
    # A bill looked up longer ago than this is asked for again before it is ordered.
    bill_fresh_seconds: float = 900.0
    # Outside production: every service's now is the real one plus the offset
    # `cityhub clock` sets (chassis/sandbox_clock.py).
    sandbox_clock: bool = False
    # How often appointments gives back the places of holds that ran out, and makes
    # the slots of days coming near their release.
    hold_sweep_seconds: float = 1.0
    slot_prepare_seconds: float = 60.0
    # Rate limits (docs/api.md, "Rate limits"): requests a minute per partner, and per
    # partner and citizen on sensitive routes, unless `cityhub partner limits` set the
    # partner's own; the public progress query's per address and per tracking number.
    partner_requests_per_minute: int = 60000
    sensitive_requests_per_minute: int = 30
    progress_per_address_per_minute: int = 30
    progress_per_number_per_minute: int = 10
    # How long the gateway keeps the catalogue's assurance levels before asking again.
    catalogue_levels_seconds: float = 30.0
    # How long each section of a citizen's overview may take before it is answered
    # unavailable (the overview's answer comes within about this long).
    overview_section_seconds: float = 0.25
    # Matters (docs/operations.md, "Matters"). The agencies' approval systems, and
    # how often matters sends what it owes them and reads their decisions.
    approvals_url: str = "http://127.0.0.1:8101"
    approvals_timeout_seconds: float = 5.0
    agency_exchange_poll_seconds: float = 1.0
    # How often the SLA watch looks at every open deadline.
    sla_watch_seconds: float = 60.0
    sandbox_port: int = 8101

    log_level: str = "INFO"
    # How `cityhub topology --users` reaches the broker, e.g.
    # "kubectl exec -n cityhub rabbitmq-0 -- rabbitmqctl".
    rabbitmqctl: str = "rabbitmqctl"

    @field_validator("amqp_uri")
    @classmethod
    def broker_addresses(cls, value: str) -> str:
        """One broker, or a cluster's nodes in kombu's failover form ("amqp://a;amqp://b").

        Each process starts at a random one of them, so a cluster's connections spread
        over its nodes instead of all landing on the first; kombu goes round the others
        when the node a connection is on goes away.
        """
        addresses = amqp_addresses(value)
        if not addresses or any(urlsplit(a).scheme not in ("amqp", "amqps", "pyamqp")
                                or not urlsplit(a).hostname for a in addresses):
            raise ValueError("CITYHUB_AMQP_URI must be amqp://user:password@host:port/vhost, "
                             "or several of those joined by ';' (a cluster's nodes)")
        start = random.randrange(len(addresses))
        return ";".join(addresses[start:] + addresses[:start])

    @model_validator(mode="after")
    def check_production(self):
        if self.env == "production":
            if self.sandbox_clock:
                raise ValueError("CITYHUB_SANDBOX_CLOCK cannot be on in production")
            if self.sandbox_secret == DEV_SANDBOX_SECRET:
                raise ValueError("CITYHUB_SANDBOX_SECRET must be changed in production")
            if self.data_keys == DEV_DATA_KEY:
                raise ValueError("CITYHUB_DATA_KEYS must be set in production")
            if self.assertion_keys == DEV_ASSERTION_KEY:
                raise ValueError("CITYHUB_ASSERTION_KEYS must be set in production")
            if self.sms_callback_secret == DEV_SMS_CALLBACK_SECRET:
                raise ValueError("CITYHUB_SMS_CALLBACK_SECRET must be set in production")
            if self.receipt_keys == DEV_RECEIPT_KEY:
                raise ValueError("CITYHUB_RECEIPT_KEYS must be set in production")
            if self.payment_provider_public_key == DEV_PROVIDER_PUBLIC_KEY:
                raise ValueError("CITYHUB_PAYMENT_PROVIDER_PUBLIC_KEY must be the provider's "
                                 "key in production, not the sandbox's")
            if any(urlsplit(a).username == "guest" for a in amqp_addresses(self.amqp_uri)):
                raise ValueError("CITYHUB_AMQP_URI must name this service's own broker user "
                                 "in production, not guest (`cityhub topology --users`)")
        return self

    def callback_url(self, path: str) -> str:
        base = self.public_url or f"http://{self.gateway_host}:{self.gateway_port}"
        return base.rstrip("/") + path

    def database_url(self, deployable: str) -> str:
        url = getattr(self, f"{deployable}_database_url")
        return url or f"sqlite:///{self.var_dir / (deployable + '.db')}"

    def nameko_config(self) -> dict:
        return {
            "AMQP_URI": self.amqp_uri,
            "HEARTBEAT": self.amqp_heartbeat,
            "max_workers": self.max_workers,
            "parent_calls_tracked": 10,
            "serializer": "json",
            "WEB_SERVER_ADDRESS": f"{self.gateway_host}:{self.gateway_port}",
        }


@lru_cache
def get_settings() -> Settings:
    return Settings()


def settings_of(container) -> Settings:
    """Tests pass their own Settings in the Nameko config; processes read the env."""
    return container.config.get("CITYHUB_SETTINGS") or get_settings()


class SettingsProvider(DependencyProvider):
    """`settings = SettingsProvider()` gives a worker the process's Settings."""

    def get_dependency(self, worker_ctx):
        return settings_of(self.container)


class FromSettings(DependencyProvider):
    """One object per process, built from the Settings when the container starts.

    `sms = FromSettings(lambda s: HttpSms(s.sms_url))` gives every worker the same
    client, so no adapter needs a DependencyProvider of its own.
    """

    def __init__(self, build):
        self.build = build

    def setup(self):
        self.instance = self.build(settings_of(self.container))

    def get_dependency(self, worker_ctx):
        return self.instance
