"""`/llm status` end to end: a signed slash command over HTTP to the bot running against the
sandbox, and the message it posts read back from the Slack stand-in."""

import time

import requests

from sandbox.httpstub import Response, StubServer
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
    deadline = time.monotonic() + 5
    while not bot.store.audit_entries() and time.monotonic() < deadline:
        time.sleep(0.05)
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
