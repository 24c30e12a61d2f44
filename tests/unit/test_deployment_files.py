"""docker-compose.yml, Prometheus and the Procfile must describe the code as it is.

No Docker engine runs here: the compose file is checked by docker-compose itself
(`config`, which validates it against the Compose schema without an engine) and
against the code: every service, command, port and scrape target must exist.
"""

import os
import shutil
import subprocess
from pathlib import Path

import yaml

from chassis.settings import Settings
from cityhub.deployables import DEPLOYABLES

ROOT = Path(__file__).resolve().parents[2]


def compose():
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def app_services(spec):
    return {name: service for name, service in spec["services"].items()
            if service.get("command", [None])[:2] == ["cityhub", "run"]}


def test_docker_compose_itself_finds_the_compose_file_valid():
    """`docker-compose config` (Debian's docker-compose, which .ci/run installs) checks
    every key, type and reference against the Compose schema; it needs no engine."""
    tool = shutil.which("docker-compose")
    assert tool, "docker-compose is not installed: apt-get install docker-compose"
    checked = subprocess.run([tool, "-f", str(ROOT / "docker-compose.yml"), "config", "-q"],
                             capture_output=True, text=True, timeout=60,
                             env={"PATH": os.environ["PATH"]})
    assert checked.returncode == 0, checked.stderr


def test_every_file_mounted_into_a_container_exists_in_the_repository():
    spec = compose()
    for service in spec["services"].values():
        for volume in service.get("volumes", []):
            source = volume.split(":")[0]
            if source.startswith("."):
                assert (ROOT / source).exists(), source
            else:
                assert source in spec.get("volumes", {}), source
    assert (ROOT / spec["x-cityhub"]["build"]["dockerfile"]).exists()


def test_compose_runs_every_deployable_the_code_has_and_no_other():
    assert {service["command"][2] for service in app_services(compose()).values()} == set(
        DEPLOYABLES)


def test_every_deployable_exposes_the_metrics_port_the_code_serves_on():
    for name, service in app_services(compose()).items():
        assert str(DEPLOYABLES[name].metrics_port) in service["expose"], name
        assert service.get("healthcheck"), f"{name} has no healthcheck"


def test_prometheus_scrapes_exactly_the_metrics_ports_of_the_deployables():
    config = yaml.safe_load((ROOT / "deploy/prometheus/prometheus.yml").read_text())
    cityhub = next(job for job in config["scrape_configs"] if job["job_name"] == "cityhub")
    targets = set(cityhub["static_configs"][0]["targets"])
    assert targets == {f"{d.name}:{d.metrics_port}" for d in DEPLOYABLES.values()}


def test_every_cityhub_setting_in_compose_is_one_the_settings_object_reads():
    fields = {f"CITYHUB_{name.upper()}" for name in Settings.model_fields}
    for service in app_services(compose()).values():
        for key in service["environment"]:
            assert not key.startswith("CITYHUB_") or key in fields, key


def test_the_procfile_starts_every_deployable_and_the_sandboxes():
    lines = (ROOT / "Procfile").read_text().splitlines()
    started = {line.split(":")[0] for line in lines if line.strip()}
    assert started == set(DEPLOYABLES) | {"sandbox"}


def test_compose_runs_the_sandboxes_and_points_the_services_at_them():
    spec = compose()
    assert spec["services"]["sandbox"]["command"] == ["cityhub", "sandbox", "serve"]
    env = spec["x-cityhub"]["environment"]
    assert env["CITYHUB_REGISTRY_URL"] == env["CITYHUB_SMS_URL"] == "http://sandbox:8101"
    assert env["CITYHUB_AGENCY_URL"] == env["CITYHUB_PAYMENT_PROVIDER_URL"] == (
        "http://sandbox:8101")


def exposed_metric_names() -> set[str]:
    """Every sample name CityHub's processes expose, as Prometheus sees them."""
    from prometheus_client.metrics import MetricWrapperBase

    from chassis import metrics

    suffixes = {"counter": ["_total"], "gauge": [""], "histogram": ["_bucket", "_sum", "_count"]}
    names = set()
    for metric in vars(metrics).values():
        if isinstance(metric, MetricWrapperBase):
            for family in metric.describe():
                names.update(family.name + suffix for suffix in suffixes[family.type])
    return names


def dashboard():
    import json

    return json.loads((ROOT / "deploy/grafana/dashboards/cityhub.json").read_text())


def test_the_grafana_dashboard_queries_only_metrics_the_code_exposes():
    import re

    exposed = exposed_metric_names() | {"up"}
    for panel in dashboard()["panels"]:
        for target in panel["targets"]:
            for name in re.findall(r"\b(cityhub_\w+|up)\b", target["expr"]):
                assert name in exposed, f"{panel['title']}: {name}"


def test_grafana_is_provisioned_with_the_dashboard_and_the_prometheus_it_queries():
    spec = compose()
    grafana = spec["services"]["grafana"]
    mounts = dict(volume.split(":")[:2] for volume in grafana["volumes"])
    providers = yaml.safe_load(
        (ROOT / "deploy/grafana/provisioning/dashboards/cityhub.yml").read_text())
    assert mounts["./deploy/grafana/dashboards"] == providers["providers"][0]["options"]["path"]
    sources = yaml.safe_load(
        (ROOT / "deploy/grafana/provisioning/datasources/prometheus.yml").read_text())
    source = sources["datasources"][0]
    assert source["url"] == "http://prometheus:9090" and "prometheus" in spec["services"]
    assert {panel["datasource"]["uid"] for panel in dashboard()["panels"]} == {source["uid"]}


def test_every_alert_watches_a_metric_the_code_exposes_and_prometheus_loads_the_rules():
    import re

    alerts = yaml.safe_load((ROOT / "deploy/prometheus/alerts.yml").read_text())
    rules = [rule for group in alerts["groups"] for rule in group["rules"]]
    assert {rule["alert"] for rule in rules} >= {"CityHubDeadLetters", "CityHubUnroutedEvents"}
    exposed = exposed_metric_names()
    for rule in rules:
        names = set(re.findall(r"\b(cityhub_\w+)\b", rule["expr"]))
        assert names <= exposed, rule["alert"]
        # Else what a scrape itself says (up) or RabbitMQ's own metrics.
        assert names or re.search(r"\bup\{job=|\brabbitmq_\w+", rule["expr"]), rule["alert"]
    config = yaml.safe_load((ROOT / "deploy/prometheus/prometheus.yml").read_text())
    prometheus = compose()["services"]["prometheus"]
    mounts = dict(volume.split(":")[:2] for volume in prometheus["volumes"])
    assert mounts["./deploy/prometheus/alerts.yml"] in config["rule_files"]


def test_the_image_holds_every_package_the_project_installs():
    import re
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    packages = {name.rstrip("*") for name in
                project["tool"]["setuptools"]["packages"]["find"]["include"]}
    copied = set(re.findall(r"^COPY (\w+) \1$", (ROOT / "deploy/Dockerfile").read_text(),
                            re.MULTILINE))
    assert "cityhub" in packages  # control: the composition root is one of them
    assert packages <= copied
