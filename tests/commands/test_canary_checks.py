"""The canary's checks before it starts, is promoted or aborted: a canary someone else started, a canary
gone or replaced, production moved, a verdict turned to fail; and quiet when a resumed run finds the
change's own target. Through the real clients against the sandbox's Kubernetes and Prometheus."""

import copy
from dataclasses import replace

import pytest

from commands.canary_analysis import CanaryPolicy, CanaryQueries
from commands.canary_promote import (
    CanaryAbortRequest,
    CanaryPromoteRequest,
    check_abort,
    check_promote,
    plan_abort,
    plan_promote,
)
from commands.canary_start import CanaryStartRequest, check_start, plan_start
from tests.commands.conftest import cloned
from tests.kube_support import NS, eventually

PROD, CANARY = "chk-prod", "chk-prod-canary"
IMAGE, OTHER = "vllm/vllm-openai:v0.4.0", "vllm/vllm-openai:v0.9.9"
FAILING = CanaryQueries(  # the same numbers for both versions: only the 1% error limit is broken
    error_rate="vector(0.5)",
    p95_latency_seconds="vector(1)",
    ttft_p95_seconds="vector(0.1)",
    throughput_rps="vector(4)",
    requests="vector(1000)",
)


@pytest.fixture
def canary_deps(deps, kube):
    with cloned(kube, PROD, replicas=2):
        yield replace(deps, canary=CanaryPolicy(deployment=PROD))
        kube.delete_deployment(NS, CANARY)
        eventually(lambda: not kube.deployment_exists(NS, CANARY))


def start_canary(kube, manifest: dict, image: str) -> None:
    kube.delete_deployment(NS, CANARY)
    eventually(lambda: not kube.deployment_exists(NS, CANARY))
    manifest = copy.deepcopy(manifest)
    manifest["spec"]["template"]["spec"]["containers"][0]["image"] = image
    kube.create_deployment(NS, manifest)


def test_start_names_a_canary_someone_else_started_and_production_resized(canary_deps, kube):
    plan = plan_start(CanaryStartRequest(image=IMAGE), canary_deps)
    assert (plan.data.replicas, check_start(plan, canary_deps)) == (1, [])
    start_canary(kube, plan.data.manifest, OTHER)
    assert check_start(plan, canary_deps) == [
        f"a canary {CANARY} already runs {OTHER} (started by someone else?)"
    ]
    start_canary(kube, plan.data.manifest, IMAGE)  # this change's own canary, made before a restart
    assert check_start(plan, canary_deps) == []
    kube.scale_deployment(NS, PROD, 4)
    assert check_start(plan, canary_deps) == [
        f"{PROD} has 4 replicas now, planned against 2: the canary would get 1 of 5 pods ≈ 20%"
    ]


def test_promote_names_an_aborted_canary_and_ignores_production_already_promoted(canary_deps, kube):
    manifest = plan_start(CanaryStartRequest(image=IMAGE), canary_deps).data.manifest
    start_canary(kube, manifest, IMAGE)
    plan = plan_promote(CanaryPromoteRequest(), canary_deps)
    assert check_promote(plan, canary_deps) == []
    start_canary(kube, manifest, OTHER)
    assert check_promote(plan, canary_deps) == [
        f"the canary {CANARY} runs {OTHER} now, planned against {IMAGE}"
    ]
    kube.delete_deployment(NS, CANARY)
    assert check_promote(plan, canary_deps) == [f"the canary {CANARY} no longer exists (aborted?)"]
    kube.set_image(NS, PROD, IMAGE)  # promoted and cleaned up before a restart
    assert check_promote(plan, canary_deps) == []


def test_promote_is_blocked_by_a_verdict_that_turned_to_fail_unless_forced(canary_deps, kube):
    start_canary(kube, plan_start(CanaryStartRequest(image=IMAGE), canary_deps).data.manifest, IMAGE)
    plan = plan_promote(CanaryPromoteRequest(), canary_deps)
    forced = plan_promote(CanaryPromoteRequest(force=True), canary_deps)
    failing = replace(canary_deps, canary=canary_deps.canary.model_copy(update={"queries": FAILING}))
    assert check_promote(plan, failing) == [
        "the canary's verdict is now fail (error rate 50.00% is over the 1.00% limit); "
        "promoting anyway needs `--force` and two approvals"
    ]
    assert check_promote(forced, failing) == []


def test_abort_names_a_different_canary_and_is_quiet_once_it_is_gone(canary_deps, kube):
    manifest = plan_start(CanaryStartRequest(image=IMAGE), canary_deps).data.manifest
    start_canary(kube, manifest, IMAGE)
    plan = plan_abort(CanaryAbortRequest(), canary_deps)
    start_canary(kube, manifest, OTHER)
    assert check_abort(plan, canary_deps) == [
        f"the canary {CANARY} runs {OTHER} now, planned against {IMAGE} (a new canary?)"
    ]
    kube.delete_deployment(NS, CANARY)  # deleted before a restart: the target
    assert check_abort(plan, canary_deps) == []
