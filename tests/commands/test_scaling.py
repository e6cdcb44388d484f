"""The node group changes step by step, through the bot's real clients against the sandbox (moto's EKS,
whose resizes the sandbox's bridge turns into nodes joining and leaving the Kubernetes stand-in): what
the progress line says as nodes join, the scale-down's order, its re-check, and the fit arithmetic."""

from dataclasses import replace

import pytest

from commands import nodes, scale_down
from commands.errors import CommandError
from commands.scale_down_fit import Fit, check
from sandbox import aws
from tests.kube_support import NS
from tests.scaling_helpers import put_back, set_group


@pytest.fixture
def quick(deps):
    """The bot's deps, polling every 0.1 s so a test follows nodes joining without waiting seconds."""
    return replace(deps, platform=deps.platform.model_copy(update={"rollout_poll_seconds": 0.1}))


@pytest.fixture
def as_seeded(sandbox):
    yield
    put_back(sandbox)


def test_a_scale_up_says_how_many_nodes_have_joined_until_all_are_ready(quick, as_seeded):
    plan = nodes.plan(nodes.NodesScaleRequest(nodegroup=aws.NODEGROUP, desired=3), quick)
    said: list[str] = []
    outcome = nodes.apply(plan, quick, said.append)
    assert outcome.ok and outcome.summary == "Node group a100-node-group resized to desired 3 (min 1, max 6)."
    joining = [line for line in said if "nodes Ready" in line]
    assert joining == [
        "a100-node-group: 2/3 nodes Ready, 1 not registered yet",
        "a100-node-group: 3/3 nodes Ready",
    ]
    assert said.index("node group a100-node-group: update Successful") < said.index(joining[0])


def test_scale_down_drains_vllm_before_the_node_group_shrinks(quick, as_seeded):
    plan = scale_down.plan(scale_down.ScaleDownRequest(replicas=1, nodes=1), quick)
    said: list[str] = []
    outcome = scale_down.apply(plan, quick, said.append)
    assert outcome.ok, outcome
    drained = [i for i, line in enumerate(said) if line.startswith("Draining vllm-llama-3-70b")]
    resized = said.index("node group a100-node-group: update Successful")
    assert (
        said[drained[-1]] == "Draining vllm-llama-3-70b: 1 pod(s) left, keeping 1" and drained[-1] < resized
    )
    assert said[resized + 1 :] == [
        "a100-node-group: 2 node(s) in the cluster, going to 1",
        "a100-node-group: 1 node(s) in the cluster, going to 1",
    ]


def test_scale_down_names_what_moved_since_its_plan_and_ignores_its_own_target(
    deps, kube, sandbox, as_seeded
):
    plan = scale_down.plan(scale_down.ScaleDownRequest(replicas=1, nodes=1), deps)
    assert scale_down.check(plan, deps) == []
    kube.scale_deployment(NS, "vllm-llama-3-70b", 3)
    set_group(sandbox, desiredSize=4)
    assert scale_down.check(plan, deps) == [
        "vllm-llama-3-70b has 3 replicas now, planned against 2",
        "a100-node-group has desired 4 (min 1, max 6) now, planned against desired 2 (min 1, max 6)",
    ]
    kube.scale_deployment(NS, "vllm-llama-3-70b", 1)
    set_group(sandbox, desiredSize=1)  # got there before a restart
    assert scale_down.check(plan, deps) == []


def test_pods_fit_whole_on_nodes_by_gpus():
    fit = Fit(gpus_per_pod=4, gpus_per_node=8)
    assert [fit.nodes_for(n) for n in (0, 1, 2, 3, 5)] == [0, 1, 1, 2, 3]
    check(fit, 4, 2, "vllm")  # fits: no error
    with pytest.raises(CommandError, match=r"keep 3 node\(s\), or drain to 4 replica\(s\)"):
        check(fit, 5, 2, "vllm")


def test_a_pod_larger_than_a_node_fits_nowhere_and_a_pod_without_gpus_anywhere():
    with pytest.raises(CommandError, match="fit on no node: a node has 8 GPUs"):
        check(Fit(gpus_per_pod=16, gpus_per_node=8), 1, 4, "vllm")
    check(Fit(gpus_per_pod=0, gpus_per_node=0), 10, 0, "rag-service")


def test_scale_down_refuses_to_grow_or_to_change_nothing(deps):
    with pytest.raises(CommandError, match="A scale-down only lowers: vllm-llama-3-70b has 2 replicas"):
        scale_down.plan(scale_down.ScaleDownRequest(replicas=3, nodes=2), deps)
    with pytest.raises(CommandError, match="nothing to change"):
        scale_down.plan(scale_down.ScaleDownRequest(replicas=2, nodes=2), deps)
    with pytest.raises(CommandError, match="may not go below its minimum of 1 node"):
        scale_down.plan(scale_down.ScaleDownRequest(replicas=1, nodes=0), deps)
