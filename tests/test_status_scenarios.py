"""`/llm status` end to end: a signed slash command over HTTP to the bot running against the
sandbox, and the message it posts read back from the Slack stand-in."""

import time
from datetime import timedelta

import requests

from sandbox.httpstub import Response, StubServer
from tests.cost_helpers import platform_usd, today
from tests.support import start_bot

LINES = [
    "Pods",
    "Nodes",
    "Critical alerts",
    "Cost",
    "Error rate",
    "p95 latency",
    "Throughput",
    "GPU utilisation",
]


def status_lines(message: dict) -> dict[str, str]:
    """'Title' -> the section text, for each check line in a posted status message."""
    lines = {}
    for block in message["blocks"]:
        text = block.get("text", {}).get("text", "") if block["type"] == "section" else ""
        for title in LINES:
            if f"*{title}*:" in text:
                lines[title] = text
    return lines


def test_status_acks_at_once_and_posts_every_check_in_the_channel(bot):
    ack = bot.slash("status")
    assert ack.status_code == 200
    assert ack.json() == {"response_type": "ephemeral", "text": "⏳ Working on `/llm status`…"}
    [message] = bot.wait_for_posts(channel="C0PLATFORM")
    assert message["kind"] == "post" and message["ok"] is True
    lines = status_lines(message)
    assert list(lines) == LINES
    assert [text for text in lines.values() if not text.startswith("✅")] == []


def test_status_is_audited_with_who_what_where_and_how_long(bot):
    bot.slash("status", user="U0OPS2")
    bot.wait_for_posts(channel="C0PLATFORM")
    [entry] = bot.store.audit_entries()
    assert (entry.user, entry.verb, entry.channel, entry.outcome) == ("U0OPS2", "status", "C0PLATFORM", "ok")
    assert entry.duration_ms > 0


def test_a_crash_looping_pod_is_named_with_its_reason_and_restarts(bot, sandbox):
    pod = sandbox.kube.cluster.items("pods", "llm-inference", "app=rag-service")[0]
    name = pod["metadata"]["name"]
    requests.post(
        f"{sandbox.kube.url}/_sandbox/pods/llm-inference/{name}/crash", timeout=5
    ).raise_for_status()
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            bot.slash("status")
            message = bot.wait_for_posts(channel="C0PLATFORM")[-1]
            bot.since = message["seq"]
            pods = status_lines(message)["Pods"]
            if "CrashLoopBackOff" in pods:
                break
        assert pods.startswith("❌ *Pods*: 5/6 Running and Ready")
        assert f"• {name}: CrashLoopBackOff" in pods
    finally:
        requests.post(f"{sandbox.kube.url}/_sandbox/pods/llm-inference/{name}/heal", timeout=5)


def test_kubernetes_api_down_costs_only_its_own_lines(bot, sandbox):
    requests.post(f"{sandbox.kube.url}/_sandbox/fault", json={"status": 503}, timeout=5)
    try:
        bot.slash("status")
        [message] = bot.wait_for_posts(channel="C0PLATFORM")
    finally:
        requests.post(f"{sandbox.kube.url}/_sandbox/fault", json={}, timeout=5)
    lines = status_lines(message)
    assert lines["Pods"].startswith("❔ *Pods*: Kubernetes API:")
    assert lines["Nodes"].startswith("❔ *Nodes*: Kubernetes API:")
    assert lines["Error rate"].startswith("✅")


def test_a_hung_backend_still_gets_an_answer_in_time_naming_what_failed(bot, sandbox):
    requests.post(f"{sandbox.kube.url}/_sandbox/fault", json={"delay_seconds": 30}, timeout=5)
    try:
        started = time.monotonic()
        bot.slash("status")
        [message] = bot.wait_for_posts(channel="C0PLATFORM", timeout=20)
        elapsed = time.monotonic() - started
    finally:
        requests.post(f"{sandbox.kube.url}/_sandbox/fault", json={}, timeout=5)
    lines = status_lines(message)
    assert lines["Pods"].startswith("❔") and "within" in lines["Pods"]
    assert lines["Cost"].startswith("✅")
    assert elapsed < 10, "the answer waited for the hung backend"  # the hang is 30 s; the deadline 2.5 s


def test_prometheus_down_marks_every_metric_line_unknown(sandbox, tmp_path):
    with socket_closed_port() as url:
        running = start_bot(sandbox, tmp_path / "db.sqlite", prometheus={"url": url})
        try:
            running.slash("status")
            [message] = running.wait_for_posts(channel="C0PLATFORM")
        finally:
            running.server.stop()
    lines = status_lines(message)
    for title in ("Critical alerts", "Error rate", "p95 latency", "Throughput", "GPU utilisation"):
        assert lines[title].startswith(f"❔ *{title}*: Prometheus: refused the connection"), lines[title]
    assert lines["Pods"].startswith("✅")


def test_cost_explorer_throttling_is_named_on_the_cost_line(sandbox, tmp_path):
    throttling = StubServer("aws-throttling")
    throttling.route(
        "POST",
        r"/",
        lambda req: Response(
            400,
            {"__type": "ThrottlingException", "message": "Rate exceeded"},
            content_type="application/x-amz-json-1.1",
        ),
    )
    throttling.start()
    running = start_bot(
        sandbox, tmp_path / "db.sqlite", aws={"endpoint_url": throttling.url, "endpoints": {}}
    )
    try:
        running.slash("status")
        [message] = running.wait_for_posts(channel="C0PLATFORM")
    finally:
        running.server.stop()
        throttling.stop()
    assert status_lines(message)["Cost"] == (
        "❔ *Cost*: AWS: Cost Explorer is throttling requests (ThrottlingException); try again in a minute"
    )


class socket_closed_port:
    """A loopback URL where nothing listens."""

    def __enter__(self) -> str:
        from sandbox.platform import free_port

        return f"http://127.0.0.1:{free_port()}"

    def __exit__(self, *exc) -> None:
        pass


# ---- the cost line, the alerts' last 24 h and the manual's links --------------------------------------
def test_the_cost_line_counts_the_platforms_tag_against_the_daily_budget(bot):
    bot.slash("status")
    [message] = bot.wait_for_posts(channel="C0PLATFORM")
    yesterday = today() - timedelta(days=1)
    assert status_lines(message)["Cost"] == (
        f"✅ *Cost*: ${platform_usd(yesterday):,.0f} on {yesterday} against $3,500 ±10% budget\n"
        "• counted: tag Project = llm-platform"
    )


def test_a_day_far_under_the_budget_is_worth_a_look(sandbox, tmp_path):
    running = start_bot(sandbox, tmp_path / "db.sqlite", platform={"daily_budget_usd": 5000})
    try:
        running.slash("status")
        [message] = running.wait_for_posts(channel="C0PLATFORM")
    finally:
        running.server.stop()
    line = status_lines(message)["Cost"]
    assert line.startswith("⚠️ *Cost*: $") and "against $5,000 ±10% budget, " in line
    assert "% under: worth a look" in line


def test_critical_alerts_keeps_the_manuals_criterion_and_reads_the_last_24_hours(bot):
    bot.slash("status")
    [message] = bot.wait_for_posts(channel="C0PLATFORM")
    line = status_lines(message)["Critical alerts"]
    assert line.startswith("✅ *Critical alerts*: none firing now; ")  # the real Prometheus took the query
    assert " in the last 24 h" in line and "could not be read" not in line


def prometheus_with_history(history: list[dict] | None) -> StubServer:
    """Prometheus' HTTP API with no alert firing now, ALERTS history as given (None: the query fails)
    and no other data."""
    prometheus = StubServer("prometheus-history")
    prometheus.route(
        "GET", r"/api/v1/alerts", lambda req: Response(body={"status": "success", "data": {"alerts": []}})
    )

    def query(req):
        if "ALERTS" not in (req.arg("query") or ""):
            return Response(body={"status": "success", "data": {"resultType": "vector", "result": []}})
        if history is None:
            return Response(422, {"status": "error", "errorType": "execution", "error": "query timed out"})
        result = [{"metric": labels, "value": [1700000000, str(n)]} for labels, n in history]
        return Response(body={"status": "success", "data": {"resultType": "vector", "result": result}})

    prometheus.route("GET", r"/api/v1/query", query)
    prometheus.start()
    return prometheus


def status_against(sandbox, tmp_path, prometheus: StubServer, **overrides) -> dict:
    running = start_bot(sandbox, tmp_path / "db.sqlite", prometheus={"url": prometheus.url}, **overrides)
    try:
        running.slash("status")
        [message] = running.wait_for_posts(channel="C0PLATFORM")
    finally:
        running.server.stop()
        prometheus.stop()
    return message


def test_alerts_that_fired_and_cleared_in_the_last_24_hours_are_context_not_a_failure(sandbox, tmp_path):
    fired = [
        ({"alertname": "LLMHighLatencyP95", "severity": "warning"}, 2),
        ({"alertname": "VLLMHighErrorRate", "severity": "critical"}, 1),
    ]
    message = status_against(sandbox, tmp_path, prometheus_with_history(fired))
    assert status_lines(message)["Critical alerts"] == (
        "✅ *Critical alerts*: none firing now; 3 fired in the last 24 h, 1 critical\n"
        "• last 24 h: VLLMHighErrorRate (critical), LLMHighLatencyP95 (warning) ×2"
    )


def test_history_prometheus_cannot_answer_costs_only_the_context(sandbox, tmp_path):
    message = status_against(sandbox, tmp_path, prometheus_with_history(None))
    assert status_lines(message)["Critical alerts"] == (
        "✅ *Critical alerts*: none firing now; "
        "the last 24 h could not be read (query failed: query timed out)"
    )


def test_the_status_message_links_to_grafana_prometheus_and_the_runbook(sandbox, tmp_path):
    links = {
        "grafana": "https://grafana.example.com/d/llm-platform",
        "prometheus": "https://prometheus.example.com/",
        "runbook": "https://wiki.example.com/llm-platform/operations-manual",
    }
    running = start_bot(sandbox, tmp_path / "db.sqlite", links=links)
    try:
        running.slash("status")
        [message] = running.wait_for_posts(channel="C0PLATFORM")
    finally:
        rejected = running.rejected()
        running.server.stop()
    footer = message["blocks"][-1]["elements"][0]["text"]
    assert footer.startswith("Checked ")
    assert footer.endswith(
        f" · <{links['grafana']}|Grafana> · <{links['prometheus']}|Prometheus> · <{links['runbook']}|Runbook>"
    )
    assert rejected == []
