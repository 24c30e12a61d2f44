"""Starting one deployable as a process: `cityhub run NAME`."""

import warnings


def prepare_process() -> None:
    """Green the standard library and psycopg2 before anything opens a socket."""
    warnings.filterwarnings("ignore", message=r"(?s).*Eventlet is deprecated")
    import eventlet

    eventlet.monkey_patch()
    from psycogreen.eventlet import patch_psycopg

    patch_psycopg()


def run(name: str) -> None:
    prepare_process()
    from nameko.cli.run import run as run_services

    from chassis import logs
    from chassis.settings import get_settings
    from cityhub.deployables import DEPLOYABLES

    settings = get_settings()
    settings.var_dir.mkdir(parents=True, exist_ok=True)
    logs.configure(name, settings.log_level)
    deployable = DEPLOYABLES[name]
    config = settings.nameko_config() | {
        "METRICS_PORT": deployable.metrics_port + settings.metrics_port_offset}
    if name == "gateway":
        config["max_workers"] = settings.gateway_max_workers
    run_services([deployable.service_class()], config)
