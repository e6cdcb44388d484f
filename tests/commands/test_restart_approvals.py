"""`/llm restart` and `/llm guardrails set` end to end over signed HTTP: the card shows what changes,
a second person approves, the change runs in the sandbox and its rollout is followed to the end (a new
ReplicaSet with the plan's restartedAt stamp). An unknown guardrails key is refused before any card."""

import pytest

from integrations.kube import RESTARTED_AT
from tests.kube_support import NS
from tests.support import start_bot
from tests.test_change_commands import FAST, answer_to, approve, outcome


@pytest.fixture
def fast_bot(sandbox, tmp_path):
    running = start_bot(sandbox, tmp_path / "db", platform=FAST)
    yield running
    running.stop()


def newest_replicaset(sandbox, name: str = "rag-service") -> dict:
    owned = [
        rs
        for rs in sandbox.kube.cluster.items("replicasets", NS)
        if any(ref["name"] == name for ref in rs["metadata"].get("ownerReferences", []))
    ]
    return max(owned, key=lambda rs: int(rs["metadata"]["annotations"]["deployment.kubernetes.io/revision"]))


def stamp_of(sandbox, name: str = "rag-service") -> str | None:
    template = sandbox.kube.cluster.get("deployments", NS, name)["spec"]["template"]
    return (template["metadata"].get("annotations") or {}).get(RESTARTED_AT)


def test_restart_rag_service_after_approval_rolls_a_new_replicaset(fast_bot, sandbox):
    before = newest_replicaset(sandbox)["metadata"]["name"]
    card = approve(fast_bot, "restart rag-service")
    [line] = [b["text"]["text"] for b in card["blocks"] if "What will change" in str(b.get("text"))]
    assert "`deployment/rag-service restartedAt: " in line
    done = outcome(fast_bot, card)
    assert done["text"].startswith("✅ rag-service restarted: ")
    assert newest_replicaset(sandbox)["metadata"]["name"] != before
    assert line.endswith(f"→ {stamp_of(sandbox)}`")


def test_guardrails_set_after_approval_changes_the_config_map_and_restarts_rag_service(fast_bot, sandbox):
    kube = fast_bot.bot.deps.kube
    was = kube.get_configmap(NS, "guardrails-config")["toxicity_threshold"]
    new = "0.65" if was != "0.65" else "0.6"
    before = newest_replicaset(sandbox)["metadata"]["name"]
    try:
        card = approve(fast_bot, f"guardrails set toxicity_threshold {new}")
        assert (
            f"`configmap/guardrails-config toxicity_threshold: {was} → {new}`"
            in card["blocks"][2]["text"]["text"]
        )
        done = outcome(fast_bot, card)
        assert done["text"].startswith(
            f"✅ Guardrails toxicity_threshold: {was} → {new}. rag-service restarted:"
        )
        assert kube.get_configmap(NS, "guardrails-config")["toxicity_threshold"] == new
        assert newest_replicaset(sandbox)["metadata"]["name"] != before
    finally:
        kube.patch_configmap(NS, "guardrails-config", "toxicity_threshold", was)


def test_an_unknown_guardrails_key_is_refused_listing_the_known_ones(fast_bot):
    said = answer_to(fast_bot, "guardrails set toxicity 0.7")
    assert "`toxicity` is not a guardrails setting; the known ones are `blocked_topics`, " in said
    assert fast_bot.store.approvals(("pending", "approved", "executing")) == []
