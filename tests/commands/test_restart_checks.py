"""`restart` and `guardrails set` planned and re-checked through the real clients on the sandbox:
the plan names its target (a restartedAt stamp, a key's new value) and what it was planned against;
the check names what someone else moved and stays quiet when it finds the plan's own target (a run
resumed after a restart). Unknown keys and values of the wrong shape are refused before any plan."""

from datetime import datetime, timezone

import pytest

from commands import guardrails_config, restart
from commands.change import describe, load_plan
from commands.errors import CommandError
from integrations.kube import RESTARTED_AT, KubeClient
from tests.commands.conftest import cloned
from tests.kube_support import NS
from tests.support import start_bot

CLONE = "chk-restart"
AT = "2025-01-02T03:04:05Z"


@pytest.fixture(scope="module")
def deps(sandbox, tmp_path_factory):
    running = start_bot(
        sandbox,
        tmp_path_factory.mktemp("restart") / "db.sqlite",
        platform={"deployments": ["vllm-llama-3-70b", "rag-service", CLONE]},
    )
    yield running.bot.deps
    running.stop()


@pytest.fixture
def guardrails(deps):
    """The ConfigMap as the test found it, put back after."""
    before = deps.kube.get_configmap(NS, "guardrails-config")
    yield before
    for key, value in before.items():
        deps.kube.patch_configmap(NS, "guardrails-config", key, value)


def stored(plan, spec):
    return load_plan(plan.model_dump(mode="json"), spec.plan_data)


def test_restart_names_someone_elses_restart_and_ignores_its_own_stamp(deps, kube: KubeClient):
    with cloned(kube, CLONE) as manifest:
        image = manifest["spec"]["template"]["spec"]["containers"][0]["image"]
        was = (manifest["spec"]["template"]["metadata"].get("annotations") or {}).get(RESTARTED_AT, "never")
        plan = stored(restart.plan(restart.RestartRequest(deployment=CLONE), deps), restart.SPEC)
        assert describe(plan) == [f"deployment/{CLONE} restartedAt: {was} → {plan.data.at}"]
        assert restart.check(plan, deps) == []
        kube.restart_deployment(NS, CLONE, datetime(2025, 1, 2, 3, 4, 5, tzinfo=timezone.utc))
        assert restart.check(plan, deps) == [f"{CLONE} was restarted at {AT} since this was planned"]
        kube.restart_deployment(
            NS, CLONE, restart.moment(plan.data.at)
        )  # the change itself, applied before a restart
        assert restart.check(plan, deps) == []
        kube.set_image(NS, CLONE, "ghcr.io/example/rag-service:9.9.9")
        assert restart.check(plan, deps) == [
            f"{CLONE} runs ghcr.io/example/rag-service:9.9.9 now, planned against {image}"
        ]
    assert restart.check(plan, deps) == [f"deployment {CLONE} no longer exists"]


def test_restart_takes_only_the_platforms_deployments(deps):
    with pytest.raises(CommandError, match="`qdrant` is not a deployment llmbot manages"):
        restart.plan(restart.RestartRequest(deployment="qdrant"), deps)


def set_request(key: str, value: str):
    return guardrails_config.GuardrailsSetRequest(key=key, value=value)


def test_guardrails_set_shows_the_keys_diff_and_the_restart_then_checks_the_value(deps, guardrails, kube):
    spec = guardrails_config.SPECS[1]
    was = guardrails["toxicity_threshold"]
    plan = stored(guardrails_config.plan(set_request("toxicity_threshold", "0.55"), deps), spec)
    lines = describe(plan)
    assert lines[0] == f"configmap/guardrails-config toxicity_threshold: {was} → 0.55"
    assert lines[1].startswith("deployment/rag-service restartedAt: ")
    assert guardrails_config.check(plan, deps) == []
    kube.patch_configmap(NS, "guardrails-config", "toxicity_threshold", "0.6")
    assert guardrails_config.check(plan, deps) == [f"toxicity_threshold is 0.6 now, planned against {was}"]
    kube.patch_configmap(NS, "guardrails-config", "toxicity_threshold", "0.55")  # its own target
    assert guardrails_config.check(plan, deps) == []


def test_an_unknown_guardrails_key_is_refused_with_the_known_ones_listed(deps, guardrails):
    with pytest.raises(CommandError) as refused:
        guardrails_config.plan(set_request("toxicity", "0.7"), deps)
    known = ", ".join(f"`{k}`" for k in sorted(guardrails))
    assert refused.value.message == f"`toxicity` is not a guardrails setting; the known ones are {known}."


@pytest.mark.parametrize(
    "key, value, said",
    [
        ("toxicity_threshold", "high", "`toxicity_threshold` is a number, not `high`."),
        ("toxicity_threshold", "1.5", "`toxicity_threshold` is a fraction between 0 and 1, not `1.5`."),
        ("pii_detection", "on", "`pii_detection` is a switch: `enabled` or `disabled`, not `on`."),
        ("max_input_tokens", "4k", "`max_input_tokens` is a whole number, not `4k`."),
        ("pii_detection", "enabled", "`pii_detection` is already `enabled`; nothing to change."),
    ],
)
def test_a_guardrails_value_must_look_like_the_one_it_replaces(deps, guardrails, key, value, said):
    with pytest.raises(CommandError) as refused:
        guardrails_config.plan(set_request(key, value), deps)
    assert refused.value.message == said
