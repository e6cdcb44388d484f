"""Vertical scaling as the manual does it, end to end against the sandbox (moto's EKS joined to the
Kubernetes stand-in by the sandbox's bridge): a node group scale-up ends when its new nodes are Ready,
and `/llm scale-down` drains vLLM, waits for its pods, then shrinks the node group, as one change."""

import pytest

from bot.changes.card import APPROVE
from tests.data_helpers import progress_texts
from tests.scaling_helpers import a100_nodes, put_back, ready_count, set_group, vllm
from tests.support import start_bot, wait_until
from tests.test_approvals import card_of, latest_card, thread

FAST = {"rollout_poll_seconds": 0.1, "rollout_crash_grace_seconds": 1.0}


@pytest.fixture
def as_seeded(sandbox):
    yield
    put_back(sandbox)


@pytest.fixture
def fast_bot(sandbox, tmp_path):
    running = start_bot(sandbox, tmp_path / "db.sqlite", platform=FAST)
    yield running
    running.server.stop()


def approved(bot, text: str) -> dict:
    bot.since = max([m["seq"] for m in bot.sandbox.slack.messages()] or [0])
    bot.slash(text, user="U0OPS1")
    card = card_of(bot)
    bot.click(card, APPROVE, "U0OPS2")
    return card


def outcome(bot, card: dict) -> dict:
    wait_until(lambda: any(m["text"].startswith(("✅", "💥")) for m in thread(bot, card)), timeout=30)
    return next(m for m in thread(bot, card) if m["text"].startswith(("✅", "💥")))


def test_a_node_group_scale_up_ends_when_the_new_nodes_are_ready(fast_bot, sandbox, as_seeded):
    card = approved(fast_bot, "nodes scale a100-node-group 3")
    done = outcome(fast_bot, card)
    assert done["text"] == "✅ Node group a100-node-group resized to desired 3 (min 1, max 6)."
    assert ready_count(sandbox) == 3  # at the end, not some time after
    assert progress_texts(fast_bot)[-1] == "▶️ a100-node-group: 3/3 nodes Ready"  # the manual's kubectl wait
    assert "a100-node-group: ACTIVE, desired 3 (min 1, max 6); 3/3 nodes Ready in the cluster" in str(
        latest_card(fast_bot, card)["blocks"]
    )


def test_a_scale_up_whose_nodes_do_not_join_in_time_says_so(sandbox, tmp_path, as_seeded):
    running = start_bot(sandbox, tmp_path / "db.sqlite", platform={**FAST, "node_ready_timeout_seconds": 0.2})
    try:
        done = outcome(running, approved(running, "nodes scale a100-node-group 3"))
    finally:
        running.server.stop()
    assert done["text"].startswith(
        "💥 Node group a100-node-group was resized to desired 3 (min 1, max 6), but after 0.2 s only 2 of 3 "
        "nodes are Ready."
    )


def test_scale_down_drains_vllm_waits_for_its_pods_then_shrinks_the_node_group(fast_bot, sandbox, as_seeded):
    card = approved(fast_bot, "scale-down 1 1")
    shown = card["blocks"][2]["text"]["text"]
    assert "`deployment/vllm-llama-3-70b replicas: 2 → 1`" in shown
    assert "`nodegroup/a100-node-group desired: 2 → 1`" in shown
    assert (
        "fits: 1 pod(s) × 4 GPUs on 1 node(s) × 8 GPUs (2 pod(s) a node)" in card["blocks"][3]["text"]["text"]
    )
    done = outcome(fast_bot, card)
    assert done["text"] == "✅ Scaled down: vllm-llama-3-70b to 1 replica(s), a100-node-group to 1 node(s)."
    assert progress_texts(fast_bot)[-1] == "▶️ a100-node-group: 1 node(s) in the cluster, going to 1"
    assert vllm(sandbox)["spec"]["replicas"] == 1 and len(a100_nodes(sandbox)) == 1


def test_scale_down_plans_the_fewest_nodes_that_hold_the_default_replicas(fast_bot):
    said = fast_bot.slash("scale-down --dry-run", user="U0OPS1").json()["text"]
    if said.startswith("⏳"):
        [reply] = fast_bot.wait_for_posts(where=lambda m: m["kind"] == "response_url")
        said = reply["text"]
    assert "deployment/vllm-llama-3-70b replicas: 2 → 1" in said
    assert "nodegroup/a100-node-group desired: 2 → 1" in said


def test_scale_down_is_refused_when_the_remaining_pods_would_not_fit(fast_bot, sandbox, as_seeded):
    set_group(sandbox, minSize=0)
    fast_bot.slash("scale-down 2 0", user="U0OPS1")
    [reply] = fast_bot.wait_for_posts(where=lambda m: m["kind"] == "response_url")
    assert reply["text"].startswith(
        "⚠️ 2 `vllm-llama-3-70b` pod(s) of 4 GPUs would not fit on 0 node(s) of 8 GPUs (2 pod(s) a node): "
        "keep 1 node(s), or drain to 0 replica(s)."
    )
    assert fast_bot.store.approvals(("pending", "approved", "executing")) == []
