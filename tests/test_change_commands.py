"""Deploy, rollback, canary and node-group changes end to end: a signed command, the card, a second
person's click, and the change followed in the sandbox to its end."""

import pytest
import requests

from bot.changes.card import APPROVE, RENEW, ROLLBACK
from integrations.kube import KubeClient
from sandbox import aws
from tests.kube_support import clone
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
    image = "ghcr.io/example/rag-service"
    assert (
        f"`deployment/rag-service image: {image}:1.4.2 → {image}:1.5.0`" in card["blocks"][2]["text"]["text"]
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


def answer_to(bot, text: str, user: str = "U0OPS1") -> str:
    """What the requester is told: the ack itself for a mistake in the typed request, else the answer
    the worker posts once it has looked at the world."""
    ack = bot.slash(text, user=user).json()["text"]
    if not ack.startswith("⏳"):
        return ack
    [reply] = bot.wait_for_posts(where=lambda m: m["kind"] == "response_url")
    return reply["text"]


@pytest.mark.parametrize(
    "text, message",
    [
        ("deploy rag-service not::valid", "`not::valid` is not a valid image reference"),
        ("deploy rag-service ghcr.io/example/rag-service", "has no tag; name the version"),
        ("deploy qdrant qdrant/qdrant:v1.9.0", "`qdrant` is not a deployment llmbot manages"),
        ("canary start vllm/vllm-openai:v0.4.0 --replicas 50", "--replicas must be between 1 and 10."),
        ("canary start vllm/vllm-openai:v0.4.0 --replicas 0", "--replicas must be at least 1"),
        ("canary promote", "No canary is running; start one with"),
        ("canary abort", "No canary is running; nothing to abort."),
        (
            "nodes scale a100-node-group 3 --min 4",
            "Sizes must satisfy 0 ≤ min ≤ desired ≤ max; got min 4, desired 3.",
        ),
        (
            "nodes scale h100-node-group 3",
            "Cluster llm-platform-production has no node group `h100-node-group`; it has ",
        ),
    ],
)
def test_bad_change_requests_get_a_clear_error_and_create_nothing(bot, text, message):
    said = answer_to(bot, text)
    assert message in said and "Usage:" in said
    assert bot.store.approvals(("pending", "approved", "executing")) == []


@pytest.mark.parametrize(
    "text",
    [
        "deploy rag-service docker.io/attacker/rag-service:1.5.0",
        "canary start quay.io/someone/vllm-openai:v0.4.0",
    ],
)
def test_images_from_outside_the_allowed_registries_are_refused_naming_the_allowed_ones(bot, text):
    said = answer_to(bot, text)
    assert (
        "is not from an allowed registry; platform.allowed_registries lists `vllm/`, `ghcr.io/example/`"
        in said
    )
    assert bot.store.approvals(("pending", "approved", "executing")) == []


def test_a_docker_hub_short_name_counts_as_docker_io(sandbox, tmp_path):
    running = start_bot(sandbox, tmp_path / "db", platform={"allowed_registries": ["docker.io/vllm/"]})
    try:
        running.slash("deploy vllm-llama-3-70b vllm/vllm-openai:v0.4.0 --dry-run")
        [reply] = running.wait_for_posts(where=lambda m: m["kind"] == "response_url")
    finally:
        running.stop()
    assert reply["text"].startswith(
        "🧪 *Dry run* of `/llm deploy vllm-llama-3-70b vllm/vllm-openai:v0.4.0 --dry-run`"
    )


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
    wait_until(lambda: bool(outcome(fast_bot, abort_card)))
    versions = [m for m in fast_bot.posted("C0PLATFORM") if m["ts"] == abort_card["ts"] and m["ok"]]
    assert versions[-1]["blocks"][0]["text"]["text"] == "✅ Done: Abort canary vllm/vllm-openai:v0.4.1"


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


# --- a change that runs against the world as it is, not as it was when approved -----------------
CANARY = "vllm-llama-3-70b-canary"


def card_now(bot, card):
    """The card's newest version as the Slack stand-in holds it."""
    return [
        m for m in bot.sandbox.slack.messages(channel=card["channel"]) if m["ts"] == card["ts"] and m["ok"]
    ][-1]


def test_an_abort_cancels_the_pending_promote_so_approving_it_later_changes_nothing(fast_bot, sandbox):
    outcome(fast_bot, approve(fast_bot, "canary start vllm/vllm-openai:v0.4.2"))
    fast_bot.since = max(m["seq"] for m in sandbox.slack.messages())
    fast_bot.slash("canary promote")
    promote = card_of(fast_bot)
    fast_bot.slash("canary abort")
    wait_until(lambda: sandbox.kube.cluster.get("deployments", NS, CANARY) is None)
    wait_until(lambda: card_now(fast_bot, promote)["blocks"][0]["text"]["text"].startswith("🚫 Cancelled"))
    assert any("makes this one moot" in m["text"] for m in thread(fast_bot, promote))
    fast_bot.since = max(m["seq"] for m in sandbox.slack.messages())
    fast_bot.click(promote, APPROVE, "U0OPS2")
    [reply] = fast_bot.wait_for_posts(where=lambda m: m["kind"] == "response_url")
    assert (
        reply["text"]
        == f"Request #{fast_bot.store.approvals(('cancelled',))[0].id} is already cancelled; nothing changed."
    )
    assert image_of(sandbox, "vllm-llama-3-70b") == "vllm/vllm-openai:v0.3.0"


def test_approving_a_promote_whose_canary_was_aborted_meanwhile_changes_nothing_and_offers_to_ask_again(
    fast_bot, sandbox
):
    outcome(fast_bot, approve(fast_bot, "canary start vllm/vllm-openai:v0.4.3"))
    promote = approve_later(fast_bot, "canary promote")
    delete = f"{sandbox.kube.url}/apis/apps/v1/namespaces/{NS}/deployments/{CANARY}"
    requests.delete(delete, timeout=5).raise_for_status()  # aborted by hand, as `kubectl delete` would
    fast_bot.click(promote, APPROVE, "U0OPS2")
    wait_until(lambda: card_now(fast_bot, promote)["blocks"][0]["text"]["text"].startswith("↩️ Not run"))
    final = card_now(fast_bot, promote)
    moved = next(
        b["text"]["text"]
        for b in final["blocks"]
        if b["type"] == "section" and "What moved" in b["text"]["text"]
    )
    assert moved == f"*What moved*\n• the canary {CANARY} no longer exists (aborted?)"
    assert [e["action_id"] for e in final["blocks"][-1]["elements"]] == [RENEW]
    assert image_of(sandbox, "vllm-llama-3-70b") == "vllm/vllm-openai:v0.3.0"
    fast_bot.since = max(m["seq"] for m in sandbox.slack.messages())
    fast_bot.click(final, RENEW, "U0OPS1")  # planned afresh: there is no canary to promote now
    replies = fast_bot.wait_for_posts(2, where=lambda m: m["kind"] == "response_url")
    assert "No canary is running; start one with" in replies[-1]["text"]


def approve_later(bot, text):
    """The card for `text`, not yet decided."""
    bot.since = max([m["seq"] for m in bot.sandbox.slack.messages()] or [0])
    bot.slash(text)
    return card_of(bot)


def test_the_canary_is_sized_for_its_share_of_production_and_says_when_that_share_is_far_off(
    fast_bot, sandbox
):
    card = approve_later(fast_bot, "canary start vllm/vllm-openai:v0.4.4")
    text = "\n".join(b["text"]["text"] for b in card["blocks"] if b["type"] == "section")
    assert "`deployment/vllm-llama-3-70b-canary created: — → vllm/vllm-openai:v0.4.4 × 1`" in text
    assert "• traffic: 1 of 3 pods ≈ 33% (target 10%)" in text
    assert "⚠️ The canary gets 1 of 3 pods ≈ 33% of traffic, far from the 10% target." in text
    fast_bot.click(card, APPROVE, "U0OPS2")
    done = outcome(fast_bot, card)
    assert done["text"].startswith("✅ Canary vllm-llama-3-70b-canary is up")
    final = "\n".join(b["text"]["text"] for b in card_now(fast_bot, card)["blocks"] if b["type"] == "section")
    assert f"• {CANARY}: 1/1 ready now, image vllm/vllm-openai:v0.4.4" in final
    fast_bot.since = max(m["seq"] for m in sandbox.slack.messages())
    fast_bot.slash("canary status")
    [status] = fast_bot.wait_for_posts(channel="C0PLATFORM", where=lambda m: m["kind"] == "post")
    assert "• traffic: 1 of 3 pods ≈ 33% (target 10%)" in status["text"]
    fast_bot.slash("canary abort")
    wait_until(lambda: sandbox.kube.cluster.get("deployments", NS, CANARY) is None)


def test_the_finished_scale_card_shows_the_replicas_after_the_change(fast_bot, sandbox, restore_rag):
    card = approve(fast_bot, "scale rag-service 4")
    assert "• 3/3 ready now" in card["blocks"][3]["text"]["text"]
    outcome(fast_bot, card)
    final = card_now(fast_bot, card)
    assert final["blocks"][0]["text"]["text"] == "✅ Done: Scale rag-service"
    assert final["blocks"][3]["text"]["text"] == "• 4/4 ready now"


def test_rollback_without_an_earlier_revision_says_so_without_the_usage_line(sandbox, tmp_path):
    kube = KubeClient(str(sandbox.kubeconfig), timeout_seconds=5)
    clone(kube, "fresh-service", replicas=1)
    running = start_bot(sandbox, tmp_path / "db", platform={"deployments": ["fresh-service"]})
    try:
        said = answer_to(running, "rollback fresh-service")
    finally:
        running.stop()
        kube.delete_deployment(NS, "fresh-service")
        kube.close()
    assert (
        said == "⚠️ fresh-service has no earlier revision to roll back to: it has run one pod template only."
    )
