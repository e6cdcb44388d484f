"""Problem detection from one object, with no store or clock: each pod state kubelet and the scheduler
report becomes at most one reason, a pod's problems belong to its Deployment, and nodes, GPU nodes and
the Warning events that explain a problem are told apart."""

import pytest

from bot.watch.problems import event_detail, gpu_detail, is_gpu, node_problems, pod_problems, workload
from integrations.kube_models import PodInfo
from tests.bot.watch.objects import node, pod


@pytest.mark.parametrize(
    "problem, reason",
    [
        ("crashloop", "CrashLoopBackOff"),
        ("oom", "OOMKilled"),
        ("imagepull", "ImagePullBackOff"),
        ("unschedulable", "FailedScheduling"),
        ("evicted", "Evicted"),
    ],
)
def test_each_pod_problem_is_read_as_one_reason(problem, reason):
    assert list(pod_problems(pod(problem=problem))) == [reason]


def test_a_crash_looping_pod_whose_container_was_oom_killed_is_oomkilled_not_crashloop():
    assert pod_problems(pod(problem="oom")) == {
        "OOMKilled": "A container ran out of memory and was killed (exit 137)"
    }
    assert "it last ended: Error" in pod_problems(pod(problem="crashloop"))["CrashLoopBackOff"]


def test_a_ready_pod_that_was_oom_killed_once_and_a_terminating_pod_are_no_problem():
    recovered = pod().model_copy(update={"last_termination_reason": "OOMKilled", "restarts": 3})
    assert pod_problems(recovered) == {} and pod_problems(pod(problem="terminating")) == {}


def test_err_image_pull_and_image_pull_back_off_are_one_problem_naming_the_image():
    pulling = pod(problem="imagepull").model_copy(update={"status": "ErrImagePull", "reason": "ErrImagePull"})
    assert pod_problems(pulling) == {"ImagePullBackOff": "Cannot pull ghcr.io/example/rag-service:1.4.2"}


def test_a_pods_problems_belong_to_its_deployment_and_a_lone_pod_to_itself():
    assert workload(pod(suffix="abcde", app="vllm-llama-3-70b")) == ("Deployment", "vllm-llama-3-70b")
    lone = PodInfo(
        name="qdrant-0",
        phase="Running",
        ready=True,
        reason=None,
        restarts=0,
        node=None,
        labels={"app": "qdrant"},
        images=[],
    )
    assert workload(lone) == ("Pod", "qdrant-0")


def test_node_conditions_become_not_ready_and_pressure_problems():
    assert node_problems(node()) == {}
    assert list(node_problems(node(ready=False, memory=True, disk=True))) == [
        "NotReady",
        "MemoryPressure",
        "DiskPressure",
    ]


def test_a_gpu_node_is_known_by_its_gpus_or_its_label():
    label = "nvidia.com/gpu.present"
    assert is_gpu(node(), label) and not is_gpu(node(name="sys", gpus=0), label)
    labelled = node(gpus=0).model_copy(update={"labels": {label: "true"}})
    assert is_gpu(labelled, label)
    assert (
        gpu_detail(node()) == "8 GPUs of node group a100-node-group (p4d.24xlarge) are gone from the cluster"
    )


def test_only_warning_events_that_explain_a_problem_count_and_bare_error_lines_do_not():
    from tests.bot.watch.objects import event

    scheduling = event("FailedScheduling", "0/3 nodes are available: 3 node(s) didn't match", "p")
    assert event_detail(scheduling) == (
        ("FailedScheduling",),
        "0/3 nodes are available: 3 node(s) didn't match",
    )
    assert event_detail(event("Failed", "Error: ImagePullBackOff", "p")) is None
    assert event_detail(event("BackOff", "Back-off restarting failed container", "p")) is None
