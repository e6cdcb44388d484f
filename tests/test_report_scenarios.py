"""`/llm guardrails`, `/llm logs errors` and `/llm audit security` end to end: signed slash commands to
the bot running against the sandbox, answers (and files) read back from the Slack stand-in."""

import re

import requests

from sandbox.platform import free_port
from tests.report_helpers import ask, switched, text_of
from tests.support import start_bot

NS = "llm-inference"


def pod_names(sandbox, app: str) -> list[str]:
    return sorted(p["metadata"]["name"] for p in sandbox.kube.cluster.items("pods", NS, f"app={app}"))


def test_guardrails_counts_violations_by_risk_high_first_with_the_trend(bot, sandbox):
    answer, _ = ask(bot, "guardrails 24h")
    text = text_of(answer)
    assert re.search(
        r"⚠️ [\d,]+ violations in the last 24h, \d+ high risk \([↑↓→] [+-]\d+% on the 24h before\)", text
    )
    rows = re.findall(r"• \*(high|medium|low)\* (\w+): [\d,]+ \(", text)
    assert len(rows) == 12 and [r for r, _ in rows] == ["high"] * 4 + ["medium"] * 4 + ["low"] * 4
    assert bot.rejected() == []


def test_guardrails_export_uploads_the_rag_services_safety_violation_lines(bot, sandbox):
    pod = pod_names(sandbox, "rag-service")[0]
    marker = (
        "2099-01-01T00:00:00Z WARNING rag.guard: Safety violation: PII leak blocked (user u42, rule pii-7)"
    )
    requests.post(
        f"{sandbox.kube.url}/_sandbox/pods/{NS}/{pod}/logs", json={"lines": [marker, "ok line"]}, timeout=5
    ).raise_for_status()
    answer, [upload] = ask(bot, "guardrails export", files=1)
    lines = upload["file"]["content"].splitlines()
    assert f"{pod} {marker}" in lines and all("Safety violation" in line for line in lines)
    pods = len(pod_names(sandbox, "rag-service"))
    assert re.search(
        rf"📎 {len(lines)} safety violation lines in the last 7 days from {pods} rag-service pods",
        text_of(answer),
    )
    assert upload["thread_ts"] == answer["ts"]
    assert re.fullmatch(r"safety-violations-\d{8}\.log", upload["file"]["name"])


def test_guardrails_export_for_24_hours_says_so_in_the_answer_and_the_file_name(bot, sandbox):
    answer, [upload] = ask(bot, "guardrails export 24h", files=1)
    assert re.search(r"📎 \d+ safety violation lines in the last 24 hours from ", text_of(answer))
    assert re.fullmatch(r"safety-violations-\d{8}-24h\.log", upload["file"]["name"])


def test_guardrails_says_prometheus_is_unavailable(sandbox, tmp_path):
    running = start_bot(
        sandbox, tmp_path / "db.sqlite", prometheus={"url": f"http://127.0.0.1:{free_port()}"}
    )
    try:
        answer, _ = ask(running, "guardrails 7d")
    finally:
        running.server.stop()
    assert answer["text"].startswith("❔ Prometheus is unavailable: refused the connection.")


def test_guardrails_export_says_the_kubernetes_api_is_unavailable(bot, sandbox):
    with switched(sandbox.kube.url, "/_sandbox/fault", {"status": 503}, {}):
        answer, _ = ask(bot, "guardrails export")
    assert answer["text"].startswith(
        "❔ The Kubernetes API is unavailable: cannot list pods in llm-inference"
    )


def test_logs_errors_groups_vllm_error_lines_by_pod_and_pattern(bot, sandbox):
    pod = pod_names(sandbox, "vllm")[0]
    lines = [
        f"2099-01-01T00:00:0{i}Z ERROR engine: NCCL watchdog timeout on rank {i} (op 0x{i}f3a)"
        for i in range(3)
    ]
    lines += [
        "2099-01-01T00:01:00Z INFO api_server: POST /v1/chat/completions HTTP/1.1 200 OK",
        "2099-01-01T00:02:00Z ERROR api_server: Request cmpl-5150 timed out after 60s waiting for the engine",
    ]
    requests.post(
        f"{sandbox.kube.url}/_sandbox/pods/{NS}/{pod}/logs", json={"lines": lines}, timeout=5
    ).raise_for_status()
    answer, _ = ask(bot, "logs errors 24h")
    text = text_of(answer)
    pods = len(pod_names(sandbox, "vllm"))
    assert re.search(
        rf"⚠️ \d+ ERROR lines in \d+ patterns over the last 24h from {pods} pods \(app=vllm\)", text
    )
    assert (
        "• *3×* `engine: NCCL watchdog timeout on rank &lt;n&gt; (op &lt;hex&gt;)` (first 01-01 00:00, "
        "last 01-01 00:00)" in text
    )
    assert re.search(
        r"`api_server: Request cmpl-&lt;n&gt; timed out after &lt;n&gt;s waiting for the engine`", text
    )
    assert f"• {pod}: " in text
    assert bot.rejected() == []


def test_logs_errors_keep_deployment_names_whole_in_their_patterns(bot, sandbox):
    pod = pod_names(sandbox, "rag-service")[0]
    line = "2099-01-02T00:00:00Z ERROR rag.llm: upstream vllm-llama-3-70b refused the connection (try 3)"
    requests.post(
        f"{sandbox.kube.url}/_sandbox/pods/{NS}/{pod}/logs", json={"lines": [line]}, timeout=5
    ).raise_for_status()
    answer, _ = ask(bot, "logs errors 1h rag-service")
    text = text_of(answer)
    assert "`rag.llm: upstream vllm-llama-3-70b refused the connection (try &lt;n&gt;)`" in text
    assert "vllm-llama-&lt;n&gt;" not in text


def test_logs_errors_for_one_deployment_reads_only_its_pods(bot, sandbox):
    answer, _ = ask(bot, "logs errors rag-service")
    text = text_of(answer)
    assert f"from {len(pod_names(sandbox, 'rag-service'))} pods (rag-service)" in text
    assert all(f"• {name}: " in text for name in pod_names(sandbox, "rag-service"))


def test_logs_errors_names_the_allowed_deployments_for_an_unknown_one(bot):
    answer, _ = ask(bot, "logs errors 1h vllm-mistral")
    assert answer["text"].startswith(
        "⚠️ `vllm-mistral` is not one of our deployments: vllm-llama-3-70b, rag-service.\n"
        "Usage: `/llm logs errors [window] [deployment]`"
    )


def test_logs_errors_says_the_kubernetes_api_is_unavailable(bot, sandbox):
    with switched(sandbox.kube.url, "/_sandbox/fault", {"status": 503}, {}):
        answer, _ = ask(bot, "logs errors")
    assert answer["text"].startswith(
        "❔ The Kubernetes API is unavailable: cannot list pods in llm-inference: the API server failed (503)"
    )


def test_security_audit_flags_the_public_load_balancer_iam_wildcards_in_backticks_and_high_risk_violations(
    bot, sandbox
):
    answer, _ = ask(bot, "audit security")
    text = text_of(answer)
    assert text.startswith("Security audit\n❌ ")
    assert "need attention: LoadBalancer services, Guardrail violations, IAM policy" in text
    assert (
        "• `monitoring/grafana-public` ports 80 at a1b2c3d4e5-1234567890.us-east-1.elb.amazonaws.com" in text
    )
    assert "*❌ IAM policy: `LLM-Platform-Policy` version v2: 2 wildcard statement(s)*\n" in text
    assert "• ❌ Debugging: wildcard action `ec2:*` on `*`" in text
    assert "• ⚠️ CostReports: `ce:GetCostAndUsage`, `ce:GetCostForecast` on every resource (`*`)" in text
    assert re.search(r"⚠️ Guardrail violations: [\d,]+ in the last 30 days, \d+ high risk\*\n• high ", text)
    assert re.search(r"✅ Container images: all \d+ pods use `vllm/`, `ghcr.io/example/`, `qdrant/`", text)
    assert re.search(r"\*❌ Image vulnerabilities: \d+ critical and \d+ high across \d+ image\(s\)", text)
    assert "• ❌ `vllm/vllm-openai:v0.3.0`: 1 critical, 2 high" in text
    assert bot.rejected() == []


def test_security_audit_flags_images_from_outside_the_allowed_registries(sandbox, tmp_path):
    running = start_bot(
        sandbox, tmp_path / "db.sqlite", platform={"allowed_registries": ["vllm/", "qdrant/"]}
    )
    try:
        answer, _ = ask(running, "audit security")
    finally:
        running.server.stop()
    text = text_of(answer)
    assert "❌ Container images: 1 image(s) from outside `vllm/`, `qdrant/`" in text
    assert all(
        f"• `ghcr.io/example/rag-service:1.4.2` in {name}" in text
        for name in pod_names(sandbox, "rag-service")
    )


def test_security_audit_keeps_the_other_parts_when_kubernetes_and_prometheus_fail(sandbox, tmp_path):
    running = start_bot(
        sandbox, tmp_path / "db.sqlite", prometheus={"url": f"http://127.0.0.1:{free_port()}"}
    )
    try:
        with switched(sandbox.kube.url, "/_sandbox/fault", {"status": 503}, {}):
            answer, _ = ask(running, "audit security")
    finally:
        running.server.stop()
    text = text_of(answer)
    assert (
        "*❔ LoadBalancer services: Kubernetes API: cannot list services in all namespaces: the API server "
        "failed (503)*" in text
    )
    assert "*❔ Guardrail violations: Prometheus: refused the connection*" in text
    assert "❌ IAM policy: `LLM-Platform-Policy` version v2" in text
