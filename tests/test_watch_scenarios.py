"""Kubernetes problems as they happen, end to end: the sandbox breaks rag-service (OOMKilled, a
missing image) or a node, the bot's watch (one poll: a relist of each kind, as after 410 Gone) posts
one message in the alerts channel, updates it as it recurs, resolves it when fixed, and never posts
it again after a restart; its buttons and the incident's quick diagnostics answer in their threads.
Every break is undone in a `finally`: the sandbox is shared by the whole session."""

import uuid
from datetime import datetime, timezone

import pytest
import requests

from bot.clock import ManualClock
from bot.watch import card
from tests.incident_support import fixture, root, sender
from tests.kube_support import NS
from tests.support import start_bot, wait_until

SYSTEM_NODE = "ip-10-0-2-21.ec2.internal"


def admin(sandbox, path: str, body: dict | None = None) -> None:
    requests.post(f"{sandbox.kube.url}/_sandbox/{path}", json=body or {}, timeout=5).raise_for_status()


def gpu_node(sandbox) -> str:
    """A GPU node as the cluster is now (scaling tests before this one may have replaced the seeded ones)."""
    nodes = sandbox.kube.cluster.items("nodes", "")
    return next(n["metadata"]["name"] for n in nodes if int(n["status"]["capacity"].get("nvidia.com/gpu", 0)))


def restarts(sandbox, deployment: str = "rag-service") -> int:
    pods = sandbox.kube.cluster.items("pods", NS)
    return sum(
        s.get("restartCount", 0)
        for p in pods
        if p["metadata"]["name"].startswith(f"{deployment}-")
        for s in p["status"].get("containerStatuses") or []
    )


@pytest.fixture
def alerts_channel():
    return f"C0W{uuid.uuid4().hex[:8].upper()}"


@pytest.fixture
def watcher(sandbox, tmp_path, alerts_channel):
    clock = ManualClock(datetime.now(timezone.utc))
    running = start_bot(sandbox, tmp_path / "db", clock, slack={"alerts_channel": alerts_channel})
    yield running
    running.stop()


def look(bot) -> list[dict]:
    """One poll of the watch, then everything due is delivered."""
    bot.bot.watch.poll()
    bot.settle()
    return bot.sandbox.slack.messages(channel=bot.bot.settings.slack.alerts_channel)


def about(messages: list[dict], reason: str, kind: str = "post") -> list[dict]:
    return [m for m in messages if m["kind"] == kind and m["ok"] and reason in (m["text"] or "")]


def test_an_oom_killed_rag_service_is_one_message_updated_as_it_recurs_and_resolved_when_fixed(
    sandbox, watcher
):
    try:
        admin(sandbox, f"deployments/{NS}/rag-service/break", {"mode": "oom"})
        [message] = about(look(watcher), "OOMKilled")
        assert message["text"] == "💥 OOMKilled: deployment rag-service"
        seen = restarts(sandbox)
        wait_until(lambda: restarts(sandbox) > seen, timeout=5)  # the stand-in kills it again
        watcher.clock.advance(61)
        after = look(watcher)
        assert len(about(after, "OOMKilled")) == 1
        [*_, update] = about(after, "OOMKilled", "update")
        assert update["ts"] == message["ts"] and "restarts*" in update["blocks"][0]["text"]["text"]
    finally:
        admin(sandbox, f"deployments/{NS}/rag-service/fix")
    resolved = about(look(watcher), "OOMKilled", "update")[-1]
    assert resolved["ts"] == message["ts"] and resolved["text"].endswith("(resolved)")
    assert "✅ Resolved" in resolved["blocks"][-2]["elements"][0]["text"]


def test_a_restarted_bot_does_not_post_a_problem_again(sandbox, tmp_path, alerts_channel):
    first = start_bot(sandbox, tmp_path / "db", slack={"alerts_channel": alerts_channel})
    try:
        admin(sandbox, f"deployments/{NS}/rag-service/break", {"mode": "crashloop"})
        assert len(about(look(first), "CrashLoopBackOff")) == 1
        first.stop()
        second = start_bot(sandbox, tmp_path / "db", slack={"alerts_channel": alerts_channel})
        try:
            assert len(about(look(second), "CrashLoopBackOff")) == 1
        finally:
            second.stop()
    finally:
        admin(sandbox, f"deployments/{NS}/rag-service/fix")
        first.stop() if not first.server.stopped else None


def test_a_missing_image_is_posted_as_image_pull_back_off_and_resolved_when_fixed(sandbox, watcher):
    try:
        admin(sandbox, f"deployments/{NS}/rag-service/break", {"mode": "imagepull"})
        wait_until(lambda: about(look(watcher), "ImagePullBackOff"), timeout=10)
        [message] = about(look(watcher), "ImagePullBackOff")
        assert message["text"] == "📦 ImagePullBackOff: deployment rag-service"
        assert "rag-service-" in message["blocks"][0]["text"]["text"]
        detail = message["blocks"][1]["text"]["text"]
        assert detail == "> Cannot pull ghcr.io/example/rag-service:1.4.2-nonexistent"
        explained = about(look(watcher), "ImagePullBackOff", "update")  # kubelet's event says why
        assert 'Failed to pull image "ghcr.io/example/rag-service:1.4.2-nonexistent"' in str(
            explained[-1]["blocks"]
        )
    finally:
        admin(sandbox, f"deployments/{NS}/rag-service/fix")
    wait_until(
        lambda: any(m["text"].endswith("(resolved)") for m in about(look(watcher), "ImagePull", "update"))
    )


def test_a_node_not_ready_is_posted_and_resolved_when_it_is_ready_again(sandbox, watcher):
    try:
        admin(sandbox, f"nodes/{SYSTEM_NODE}/ready", {"ready": False})
        [message] = about(look(watcher), "Node NotReady")
        assert message["text"] == f"🔴 Node NotReady: node {SYSTEM_NODE}"
    finally:
        admin(sandbox, f"nodes/{SYSTEM_NODE}/fix")
    [resolved] = about(look(watcher), "Node NotReady", "update")
    assert resolved["ts"] == message["ts"] and "the node is Ready again" in str(resolved["blocks"])


def test_a_gpu_node_leaving_is_posted_and_resolved_when_it_joins_again(sandbox, watcher):
    assert about(look(watcher), "GPU node") == []  # the bot now knows the GPU nodes
    node = gpu_node(sandbox)
    try:
        admin(sandbox, f"nodes/{node}/remove")
        [message] = about(look(watcher), "GPU node left")
        assert message["text"] == f"🚫 GPU node left the cluster: node {node}"
    finally:
        admin(sandbox, f"nodes/{node}/restore")
    [resolved] = about(look(watcher), "GPU node left", "update")
    assert resolved["ts"] == message["ts"] and "the node joined again" in str(resolved["blocks"])


def test_the_logs_button_answers_in_the_problems_thread_with_the_crashed_containers_log(sandbox, watcher):
    try:
        admin(sandbox, f"deployments/{NS}/rag-service/break", {"mode": "oom"})
        [message] = about(look(watcher), "OOMKilled")
        watcher.click(message, card.LOGS, "U0VIEW")
        replies = watcher.wait_for_posts(
            channel=message["channel"],
            where=lambda m: m.get("thread_ts") == message["ts"] and m["kind"] == "post",
        )
        assert replies[0]["blocks"][0]["text"]["text"].startswith("Logs of rag-service-")
        assert "previous container" in replies[0]["blocks"][1]["text"]["text"]
    finally:
        admin(sandbox, f"deployments/{NS}/rag-service/fix")


def test_the_incident_root_has_quick_diagnostics_that_answer_in_its_thread(bot):
    sender(bot).send(fixture("triggered"))
    parent = root(bot)
    rows = [b for b in parent["blocks"] if b["type"] == "actions"]
    assert [e["text"]["text"] for e in rows[1]["elements"]] == [
        "Status",
        "Pods",
        "Events",
        "Error logs",
        "GPU",
    ]
    bot.click(parent, "incident:diagnose:pods", "U0VIEW")
    [answer] = bot.wait_for_posts(
        channel=parent["channel"],
        where=lambda m: (
            m.get("thread_ts") == parent["ts"] and m["kind"] == "post" and "pods ready" in m["text"]
        ),
    )
    assert answer["blocks"][0]["text"]["text"] == "Pods"
