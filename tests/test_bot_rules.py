"""The bot's own alerting rules pass `promtool check rules` and their unit tests, ship unchanged as the
monitoring overlay's PrometheusRule, and, like the Grafana dashboard, use only the metrics the bot
exports. `python tests/test_bot_rules.py` rewrites prometheusrule.yaml from llmbot-rules.yml."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

MONITORING = Path(__file__).resolve().parent.parent / "manifests" / "overlays" / "monitoring"
RULES = MONITORING / "llmbot-rules.yml"
RULE_TESTS = MONITORING / "llmbot-rules.test.yml"
PROMETHEUS_RULE = MONITORING / "prometheusrule.yaml"
DASHBOARD = MONITORING / "llmbot-dashboard.json"
RUNBOOK = MONITORING / "runbook.md"

# What the bot exports at /metrics, with each metric's own labels: the rules and the dashboard may use
# nothing else. Prometheus adds the target's labels, and `up` is its own.
METRICS = {
    "up": ("gauge", set()),
    "llmbot_http_requests_total": ("counter", {"route", "outcome"}),
    "llmbot_slack_acks_total": ("counter", {"route", "outcome"}),
    "llmbot_slack_ack_seconds": ("histogram", {"route"}),
    "llmbot_slack_requests_rejected_total": ("counter", {"reason"}),
    "llmbot_command_duration_seconds": ("histogram", {"command", "outcome"}),
    "llmbot_backend_errors_total": ("counter", {"integration"}),
    "llmbot_outbox_posts_total": ("counter", {"outcome"}),
    "llmbot_outbox_pending": ("gauge", set()),
    "llmbot_pagerduty_webhooks_total": ("counter", {"outcome"}),
    "llmbot_alertmanager_webhooks_total": ("counter", {"outcome"}),
    "llmbot_timer_lateness_seconds": ("histogram", {"kind"}),
    "llmbot_socket_connected": ("gauge", set()),
}
TARGET_LABELS = {"job", "instance", "namespace", "pod", "service", "endpoint", "container"}
PROMQL_WORDS = {"and", "or", "unless", "bool", "offset", "inf", "nan"}
PROMETHEUS_RULE_HEAD = """\
# Generated from llmbot-rules.yml by `python tests/test_bot_rules.py`: edit that file, then run it.
# If your Prometheus selects rules by label (kube-prometheus-stack: release=<its release name>),
# add that label here.
apiVersion: monitoring.coreos.com/v1
kind: PrometheusRule
metadata:
  name: llmbot
  namespace: llm-inference
  labels:
    app.kubernetes.io/name: llmbot
spec:
"""


def prometheus_rule_text(rules_text: str) -> str:
    """The PrometheusRule holding the rules file's groups, indented under spec, comments and all."""
    groups = rules_text[re.search(r"(?m)^groups:", rules_text).start() :]
    return PROMETHEUS_RULE_HEAD + "".join(
        "  " + line if line.strip() else line for line in groups.splitlines(keepends=True)
    )


def promtool(*args: str) -> subprocess.CompletedProcess:
    found = shutil.which("promtool")
    if found is None:
        pytest.fail("promtool is missing: `apt-get install -y prometheus` (`make test` does)")
    return subprocess.run([found, *args], capture_output=True, text=True, timeout=60, cwd=MONITORING)


def alerts() -> list[dict]:
    groups = yaml.safe_load(RULES.read_text())["groups"]
    return [rule for group in groups for rule in group["rules"] if "alert" in rule]


def dashboard_expressions() -> list[str]:
    panels = json.loads(DASHBOARD.read_text())["panels"]
    return [target["expr"] for panel in panels for target in panel.get("targets", [])]


def metrics_in(expr: str) -> set[str]:
    """Metric names in a PromQL expression, histogram series folded into their histogram."""
    bare = re.sub(r'"(?:[^"\\]|\\.)*"', "", expr)
    bare = re.sub(r"\{[^}]*\}|\[[^\]]*\]|\b(?:by|without|on|ignoring)\s*\([^)]*\)", " ", bare)
    names = set(re.findall(r"(?<![\w$:])([a-zA-Z_:][\w:]*)\b(?!\s*\()", bare)) - PROMQL_WORDS
    return {folded(name) for name in names}


def folded(name: str) -> str:
    base = re.sub(r"_(bucket|sum|count)$", "", name)
    return base if METRICS.get(base, ("",))[0] == "histogram" else name


def labels_in(expr: str) -> set[str]:
    matchers = {
        name for body in re.findall(r"\{([^}]*)\}", expr) for name in re.findall(r"(\w+)\s*[=!]", body)
    }
    grouped = re.findall(r"\b(?:by|without|on|ignoring)\s*\(([^)]*)\)", expr)
    return matchers | {name.strip() for group in grouped for name in group.split(",") if name.strip()}


def unknown_names(expr: str) -> tuple[set[str], set[str]]:
    """Metrics the bot does not export and labels none of the expression's metrics carry."""
    metrics = metrics_in(expr)
    known = metrics & set(METRICS)
    allowed = TARGET_LABELS.union(*(METRICS[m][1] for m in known))
    if any(METRICS[m][0] == "histogram" for m in known):
        allowed.add("le")
    return metrics - set(METRICS), labels_in(expr) - allowed


def test_promtool_finds_the_rules_valid():
    done = promtool("check", "rules", RULES.name)
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_rules_pass_their_promtool_unit_tests():
    done = promtool("test", "rules", RULE_TESTS.name)
    assert done.returncode == 0, done.stdout + done.stderr


def test_every_alert_has_a_unit_test_where_it_fires_and_one_where_it_stays_quiet():
    cases = [
        case for test in yaml.safe_load(RULE_TESTS.read_text())["tests"] for case in test["alert_rule_test"]
    ]
    for alert in alerts():
        outcomes = {bool(case["exp_alerts"]) for case in cases if case["alertname"] == alert["alert"]}
        assert outcomes == {True, False}, alert["alert"]


def test_every_alert_has_a_severity_a_summary_a_description_and_a_runbook_section():
    headings = set(re.findall(r"(?m)^## (\w+)$", RUNBOOK.read_text()))
    for alert in alerts():
        assert alert["labels"]["severity"] in {"critical", "warning"}, alert["alert"]
        assert set(alert["annotations"]) == {"summary", "description", "runbook_url"}, alert["alert"]
        url = alert["annotations"]["runbook_url"]
        assert url.endswith("/manifests/overlays/monitoring/runbook.md#" + alert["alert"].lower())
        assert alert["alert"] in headings, f"runbook.md has no section for {alert['alert']}"


def test_the_prometheus_rule_holds_exactly_the_rules_file():
    regenerate = "prometheusrule.yaml is stale: run `python tests/test_bot_rules.py`"
    assert PROMETHEUS_RULE.read_text() == prometheus_rule_text(RULES.read_text()), regenerate
    assert yaml.safe_load(PROMETHEUS_RULE.read_text())["spec"] == yaml.safe_load(RULES.read_text())


def test_the_rules_use_only_metrics_and_labels_the_bot_exports():
    for rule in alerts():
        assert metrics_in(rule["expr"]), rule["alert"]
        assert unknown_names(rule["expr"]) == (set(), set()), rule["alert"]


def test_the_metric_name_check_catches_unknown_metrics_and_labels():
    expr = 'histogram_quantile(0.9, sum by (le, shard) (rate(llmbot_slack_ack_secs_bucket{route="/x"}[5m])))'
    assert unknown_names(expr) == ({"llmbot_slack_ack_secs_bucket"}, {"shard", "route", "le"})


def test_the_dashboard_is_grafana_json_with_a_prometheus_datasource_variable():
    dashboard = json.loads(DASHBOARD.read_text())
    assert 36 <= dashboard["schemaVersion"] <= 41
    variables = {v["name"]: v for v in dashboard["templating"]["list"]}
    assert (variables["datasource"]["type"], variables["datasource"]["query"]) == ("datasource", "prometheus")
    panels = dashboard["panels"]
    assert len({panel["id"] for panel in panels}) == len(panels)
    for panel in panels:
        if panel["type"] != "row":
            assert panel["datasource"] == {"type": "prometheus", "uid": "${datasource}"}, panel["title"]
            assert panel["targets"], panel["title"]


def test_every_dashboard_query_uses_only_metrics_and_labels_the_bot_exports():
    for expr in dashboard_expressions():
        assert unknown_names(expr) == (set(), set()), expr


def test_the_dashboard_charts_every_metric_the_bot_exports():
    charted = set().union(*(metrics_in(expr) for expr in dashboard_expressions()))
    assert charted == set(METRICS)


if __name__ == "__main__":
    PROMETHEUS_RULE.write_text(prometheus_rule_text(RULES.read_text()))
    sys.exit(0)
