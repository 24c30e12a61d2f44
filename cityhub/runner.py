"""Starting one deployable as a process: `cityhub run NAME [--replica N]`."""

import warnings

# Replica N's /metrics listens this many ports above replica 1's, per replica: 9102 for
# payments, 9112 for its second replica, 9122 for its third.
REPLICA_PORT_STEP = 10


class RefusedToStart(Exception):
    """A configuration this deployable cannot run under; the message says what to do."""


def metrics_port(base: int, offset: int, replica: int) -> int:
    return base + offset + REPLICA_PORT_STEP * (replica - 1)


def check_replica(name: str, replica: int, database_url: str) -> None:
    """A second replica of a service needs PostgreSQL: its timers take their work with
    locks SQLite does not have (docs/architecture.md, "Several replicas"). The gateway
    only reads its database, so several gateways may share a SQLite file."""
    if replica < 1:
        raise RefusedToStart(f"--replica counts from 1, not {replica}")
    if replica > 1 and name != "gateway" and database_url.startswith("sqlite"):
        raise RefusedToStart(
            f"{name} replica {replica}: a second replica of a service needs PostgreSQL, and "
            f"{name} is on SQLite. Set CITYHUB_{name.upper()}_DATABASE_URL to a "
            f"postgresql:// URL (docs/operations.md, \"Running several replicas\"), or run "
            f"one replica.")


def prepare_process() -> None:
    """Green the standard library and psycopg2 before anything opens a socket."""
    warnings.filterwarnings("ignore", message=r"(?s).*Eventlet is deprecated")
    import eventlet

    eventlet.monkey_patch()
    from psycogreen.eventlet import patch_psycopg

    patch_psycopg()


def run(name: str, replica: int = 1, only_check: bool = False) -> None:
    if only_check:
        from chassis.settings import get_settings

        return check_replica(name, replica, get_settings().database_url(name))
    prepare_process()
    from nameko.cli.run import run as run_services

    from chassis import logs
    from chassis.settings import get_settings
    from cityhub.deployables import DEPLOYABLES

    settings = get_settings()
    check_replica(name, replica, settings.database_url(name))

    settings.var_dir.mkdir(parents=True, exist_ok=True)
    logs.configure(name if replica == 1 else f"{name}.{replica}", settings.log_level)
    deployable = DEPLOYABLES[name]
    config = settings.nameko_config() | {"METRICS_PORT": metrics_port(
        deployable.metrics_port, settings.metrics_port_offset, replica)}
    if name == "gateway":
        config["max_workers"] = settings.gateway_max_workers
    run_services([deployable.service_class()], config)
