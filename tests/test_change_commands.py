"""Deploy, rollback, canary and node-group changes end to end: a signed command, the card, a second
person's click, and the change followed in the sandbox to its end."""

import pytest

from bot.approval_card import APPROVE, ROLLBACK
from sandbox import aws
from tests.support import start_bot, wait_until
from tests.test_approvals import card_of, thread

NS = "llm-inference"
FAST = {"rollout_poll_seconds": 0.2, "rollout_crash_grace_seconds": 1.0}


def image_of(sandbox, name):
    return sandbox.kube.cluster.get("deployments", NS, name)["spec"]["template"]["spec"]["containers"][0][
        "image"
    ]


def outcome(bot, card, timeout=30):
    wait_until(lambda: any(m["text"].startswith(("✅", "💥")) for m in thread(bot, card)), timeout)
    return next(m for m in thread(bot, card) if m["text"].startswith(("✅", "💥")))


def approve(bot, text, user="U0OPS1", approver="U0OPS2"):
    bot.since = max([m["seq"] for m in bot.sandbox.slack.messages()] or [0])
    bot.slash(text, user=user)
    card = card_of(bot)
    bot.click(card, APPROVE, approver)
    return card


@pytest.fixture
def fast_bot(sandbox, tmp_path):
    running = start_bot(sandbox, tmp_path / "db", platform=FAST, canary={"status_update_seconds": 0.5})
    yield running
    running.server.stop()


def test_deploy_then_rollback_restores_the_previous_image(fast_bot, sandbox):
    card = approve(fast_bot, "deploy rag-service ghcr.io/example/rag-service:1.5.0")
    assert (
        "`deployment/rag-service image: ghcr.io/example/rag-service:1.4.2 → ghcr.io/example/rag-service:1.5.0`"
        in card["blocks"][2]["text"]["text"]
    )
    assert outcome(fast_bot, card)["text"].startswith(
        "✅ rag-service now runs ghcr.io/example/rag-service:1.5.0"
    )
    assert image_of(sandbox, "rag-service") == "ghcr.io/example/rag-service:1.5.0"
    card = approve(fast_bot, "rollback rag-service")
    assert "1.5.0 → ghcr.io/example/rag-service:1.4.2" in card["blocks"][2]["text"]["text"]
    assert outcome(fast_bot, card)["text"].startswith("✅ rag-service rolled back to revision")
    assert image_of(sandbox, "rag-service") == "ghcr.io/example/rag-service:1.4.2"


def test_a_crash_looping_rollout_is_reported_with_its_pods_and_a_rollback_button(fast_bot, sandbox):
    card = approve(fast_bot, "deploy vllm-llama-3-70b vllm/vllm-openai:v0.4.0-bad")
    failure = outcome(fast_bot, card)
    assert failure["text"].startswith("💥 vllm-llama-3-70b:")
    assert "CrashLoopBackOff" in failure["blocks"][0]["text"]["text"]
    assert failure["blocks"][1]["elements"][0]["action_id"] == ROLLBACK
    fast_bot.since = failure["seq"]
    fast_bot.click(failure, ROLLBACK, "U0OPS2")  # the clicker asks; someone else approves
    rollback_card = card_of(fast_bot)
    assert (
        "Requested by* <@U0OPS2>: `/llm rollback vllm-llama-3-70b`"
        in rollback_card["blocks"][1]["text"]["text"]
    )
    fast_bot.click(rollback_card, APPROVE, "U0OPS1")
    assert outcome(fast_bot, rollback_card)["text"].startswith("✅ vllm-llama-3-70b rolled back")
    assert image_of(sandbox, "vllm-llama-3-70b") == "vllm/vllm-openai:v0.3.0"


@pytest.mark.parametrize(
    "text, message",
    [
        ("deploy rag-service not::valid", "`not::valid` is not a valid image reference"),
        ("deploy rag-service ghcr.io/example/rag-service", "has no tag; name the version"),
        ("deploy qdrant qdrant/qdrant:v1.9.0", "`qdrant` is not a deployment llmbot manages"),
        ("canary start vllm/vllm-openai:v0.4.0 --replicas 50", "--replicas must be between 1 and 10."),
        ("canary promote", "No canary is running; start one with"),
        ("canary abort", "No canary is running; nothing to abort."),
        (
            "nodes scale a100-node-group 3 --min 4",
            "Sizes must satisfy 0 ≤ min ≤ desired ≤ max; got min 4, desired 3, max 6.",
        ),
        (
            "nodes scale h100-node-group 3",
            "Cluster llm-platform-production has no node group `h100-node-group`; it has ",
        ),
    ],
)
def test_bad_change_requests_get_a_clear_error_and_create_nothing(bot, text, message):
    bot.slash(text)
    [reply] = bot.wait_for_posts(where=lambda m: m["kind"] == "response_url")
    assert message in reply["text"]
    assert bot.store.approvals(("pending", "approved", "executing")) == []


def test_a_canary_is_started_watched_promoted_and_cleaned_up(fast_bot, sandbox):
    card = approve(fast_bot, "canary start vllm/vllm-openai:v0.4.0")
    assert outcome(fast_bot, card)["text"].startswith("✅ Canary vllm-llama-3-70b-canary is up")
    canary = sandbox.kube.cluster.get("deployments", NS, "vllm-llama-3-70b-canary")
    assert canary["spec"]["template"]["metadata"]["labels"]["version"] == "canary"
    watch = fast_bot.wait_for_posts(
        channel="C0PLATFORM", where=lambda m: m["kind"] == "post" and "pods ready" in m["text"]
    )[0]
    wait_until(
        lambda: any(m["kind"] == "update" and m["ts"] == watch["ts"] for m in fast_bot.posted("C0PLATFORM"))
    )
    fast_bot.since = max(m["seq"] for m in sandbox.slack.messages())
    fast_bot.slash("canary status")
    [status] = fast_bot.wait_for_posts(channel="C0PLATFORM")
    assert "pods ready" in status["text"] and "v0.4.0" in status["text"]
    card = approve(fast_bot, "canary promote")
    assert outcome(fast_bot, card)["text"].startswith("✅ vllm-llama-3-70b now runs vllm/vllm-openai:v0.4.0")
    assert sandbox.kube.cluster.get("deployments", NS, "vllm-llama-3-70b-canary") is None
    wait_until(
        lambda: any(
            m["ts"] == watch["ts"] and m["text"].startswith("🏁 The canary has ended")
            for m in fast_bot.sandbox.slack.messages(channel="C0PLATFORM")
        )
    )
    card = approve(fast_bot, "rollback vllm-llama-3-70b")  # back to the manual's version for other tests
    outcome(fast_bot, card)
    assert image_of(sandbox, "vllm-llama-3-70b") == "vllm/vllm-openai:v0.3.0"


def test_a_canary_abort_runs_without_approval_by_default(fast_bot, sandbox):
    card = approve(fast_bot, "canary start vllm/vllm-openai:v0.4.1")
    outcome(fast_bot, card)
    fast_bot.since = max(m["seq"] for m in sandbox.slack.messages())
    fast_bot.slash("canary abort")
    abort_card = fast_bot.wait_for_posts(
        channel="C0PLATFORM", where=lambda m: m["kind"] == "post" and "Abort canary" in m["text"]
    )[0]
    assert abort_card["blocks"][0]["text"]["text"] == "✅ Approved: Abort canary vllm/vllm-openai:v0.4.1"
    wait_until(lambda: sandbox.kube.cluster.get("deployments", NS, "vllm-llama-3-70b-canary") is None)


def test_a_node_group_is_resized_after_approval(fast_bot, sandbox):
    card = approve(fast_bot, "nodes scale a100-node-group 3")
    assert "`nodegroup/a100-node-group desired: 2 → 3`" in card["blocks"][2]["text"]["text"]
    assert (
        outcome(fast_bot, card)["text"]
        == "✅ Node group a100-node-group resized to desired 3 (min 1, max 6)."
    )
    group = sandbox.aws.client("eks").describe_nodegroup(clusterName=aws.CLUSTER, nodegroupName=aws.NODEGROUP)
    assert group["nodegroup"]["scalingConfig"]["desiredSize"] == 3
    sandbox.aws.client("eks").update_nodegroup_config(
        clusterName=aws.CLUSTER, nodegroupName=aws.NODEGROUP, scalingConfig={"desiredSize": 2}
    )
