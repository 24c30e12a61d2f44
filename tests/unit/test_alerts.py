"""The alerts, checked by Prometheus' own tool: promtool (Debian's `prometheus` package,
which .ci/run installs) parses alerts.yml and runs the cases of alerts.test.yml."""

import shutil
import subprocess
from pathlib import Path

import yaml

PROMETHEUS = Path(__file__).resolve().parents[2] / "deploy" / "prometheus"


def promtool(*args: str) -> subprocess.CompletedProcess:
    tool = shutil.which("promtool")
    assert tool, "promtool is not installed: apt-get install prometheus"
    return subprocess.run([tool, *args], cwd=PROMETHEUS, capture_output=True, text=True,
                          timeout=120)


def test_promtool_finds_the_alert_rules_valid():
    checked = promtool("check", "rules", "alerts.yml")
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_every_alert_fires_when_it_should_and_stays_quiet_when_it_should_not():
    tested = promtool("test", "rules", "alerts.test.yml")
    assert tested.returncode == 0, tested.stdout + tested.stderr


def test_every_alert_has_a_case_that_fires_and_one_that_stays_quiet():
    alerts = {rule["alert"] for group in yaml.safe_load(
        (PROMETHEUS / "alerts.yml").read_text())["groups"] for rule in group["rules"]}
    fires, quiet = set(), set()
    for case in yaml.safe_load((PROMETHEUS / "alerts.test.yml").read_text())["tests"]:
        for check in case["alert_rule_test"]:
            (fires if check["exp_alerts"] else quiet).add(check["alertname"])
    assert (alerts - fires, alerts - quiet) == (set(), set())


def test_promtool_finds_the_scrape_configuration_valid(tmp_path):
    """prometheus.yml names the rules where the container mounts them; checked here
    with that path pointed at the repository's copy."""
    config = yaml.safe_load((PROMETHEUS / "prometheus.yml").read_text())
    assert config["rule_files"] == ["/etc/prometheus/alerts.yml"]
    config["rule_files"] = [str(PROMETHEUS / "alerts.yml")]
    (tmp_path / "prometheus.yml").write_text(yaml.safe_dump(config))
    checked = promtool("check", "config", str(tmp_path / "prometheus.yml"))
    assert checked.returncode == 0, checked.stdout + checked.stderr
