"""One broker user per deployable and one for ops tools, each allowed only what it uses.

The permissions are read off what each deployable's Nameko extensions declare and use
(its handlers' queues and the events they bind to, the services it calls, whether it
answers RPC), never written by hand, so a new handler or call brings its permission
with it. RabbitMQ grants configure / write / read per vhost as regular expressions over
exchange and queue names, and write per routing key on a topic exchange:

  configure  its own queues and exchanges: <name>.* (handler queues, <name>.events,
             <name>.queues, the gateway's stream queues), rpc-<name>, its reply queues
  write      those, and the RPC exchange, where the routing keys it may publish are
             only the services it calls (and, when it answers, a caller's reply key)
  read       those, the events exchanges of the services it listens to (to bind to
             them), and the RPC exchange

Nobody but ops may write to the default exchange, which routes to any queue by name.
The ops user (`cityhub topology`, `dlq replay`, `payments refund`, ...) has the vhost.

Users are made with `rabbitmqctl`: the management API is a plugin a broker may not
run, and AMQP cannot make users. rabbitmqctl 3.10 takes a password only as an
argument, so it shows in the broker host's process list while the command runs.
"""

import json
import re
import secrets
import shlex
import string
import subprocess
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

from nameko.containers import ServiceContainer
from nameko.rpc import get_rpc_exchange

from chassis.events import ReliableEventHandler
from chassis.rpc import QuickRpcConsumer, ServiceRpc
from chassis.settings import amqp_addresses
from cityhub.deployables import DEPLOYABLES
from cityhub.operations import OperationFailed
from contracts.events import events_exchange
from gateway.streams import StreamHub

OPS_USER = "cityhub-ops"
PASSWORD_ALPHABET = string.ascii_letters + string.digits
# What a caller's reply queue is bound with (Nameko: str(uuid4())).
REPLY_KEY = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"


class BrokerUsersFailed(OperationFailed):
    pass


@dataclass(frozen=True)
class Grant:
    user: str
    configure: str
    write: str
    read: str
    rpc_write_keys: str  # routing keys it may publish on the RPC exchange

    def as_dict(self) -> dict:
        return {"user": self.user, "configure": self.configure, "write": self.write,
                "read": self.read, "rpc_write_keys": self.rpc_write_keys}


def user_of(deployable: str) -> str:
    return f"cityhub-{deployable}"


def _any_of(patterns) -> str:
    return "^(" + "|".join(sorted(set(patterns))) + ")$" if patterns else "^$"


def grant_for(name: str, extensions, rpc_exchange: str) -> Grant:
    sources = {e.source for e in extensions if isinstance(e, ReliableEventHandler | StreamHub)}
    calls = {e.target_service for e in extensions if isinstance(e, ServiceRpc)}
    answers = any(isinstance(e, QuickRpcConsumer) for e in extensions)
    own = [rf"{name}\..+", rf"rpc-{name}", rf"rpc\.reply-{name}-.+"]  # names are [a-z]
    rpc = [re.escape(rpc_exchange).replace("\\-", "-")] if calls or answers else []
    return Grant(
        user=user_of(name), configure=_any_of(own), write=_any_of(own + rpc),
        read=_any_of(own + rpc + [events_exchange(s).replace(".", r"\.") for s in sources]),
        rpc_write_keys=_any_of([rf"{c}\..+" for c in calls]
                               + ([REPLY_KEY] if answers else [])))


def grants(settings) -> list[Grant]:
    config = settings.nameko_config()
    rpc_exchange = get_rpc_exchange(config).name
    found = [grant_for(name, ServiceContainer(d.service_class(), config).extensions,
                       rpc_exchange) for name, d in DEPLOYABLES.items()]
    return [*found, Grant(OPS_USER, ".*", ".*", ".*", ".*")]


def vhost_of(amqp_uri: str) -> str:
    path = urlsplit(amqp_addresses(amqp_uri)[0]).path
    return unquote(path[1:]) if len(path) > 1 else "/"


def apply(settings, new_passwords: bool = False) -> list[dict]:
    """Make the users that are missing (each with a new password, shown once) and set
    every user's permissions; with `new_passwords`, every user gets a new one."""
    vhost, rpc_exchange = vhost_of(settings.amqp_uri), get_rpc_exchange(
        settings.nameko_config()).name
    existing = {user["user"] for user in json.loads(
        _ctl(settings, "list_users", "--formatter", "json") or "[]")}
    done = []
    for grant in grants(settings):
        said = {"user": grant.user}
        if grant.user not in existing or new_passwords:
            password = new_password()
            _ctl(settings, "change_password" if grant.user in existing else "add_user",
                 grant.user, password, secret=password)
            said["password"] = password
        _ctl(settings, "set_permissions", "-p", vhost, grant.user, grant.configure,
             grant.write, grant.read)
        if grant.user != OPS_USER:
            _ctl(settings, "set_topic_permissions", "-p", vhost, grant.user, rpc_exchange,
                 grant.rpc_write_keys, ".*")
        done.append(said | {"vhost": vhost} | grant.as_dict())
    return done


def new_password() -> str:
    # Letters and digits only: one starting with "-" is read by rabbitmqctl as an option.
    return "".join(secrets.choice(PASSWORD_ALPHABET) for _ in range(32))


def _ctl(settings, *arguments, secret: str | None = None) -> str:
    command = [*shlex.split(settings.rabbitmqctl), "-q", *arguments]
    try:
        ran = subprocess.run(command, capture_output=True, text=True, timeout=120)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise BrokerUsersFailed(f"could not run {command[0]}: {exc}") from None
    if ran.returncode != 0:
        said = (ran.stderr or ran.stdout).strip()
        if secret:  # rabbitmqctl repeats its arguments when it refuses them
            said = said.replace(secret, "********")
        raise BrokerUsersFailed(f"rabbitmqctl {arguments[0]} failed: {said[:300]}")
    return ran.stdout
