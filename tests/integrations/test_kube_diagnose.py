"""KubeClient's diagnosis calls against the Kubernetes stand-in: pods, Warning events, the condensed
describe of a pod, a Deployment and a node, and a pod's current and previous logs."""

from datetime import datetime, timedelta, timezone

import pytest
import requests

from integrations.errors import IntegrationError, NotFound
from integrations.kube import KubeClient
from integrations.kube_descriptions import Condition, ContainerState
from sandbox.kube_api import KubeApiServer, write_kubeconfig
from tests.kube_support import NS, eventually

RAG = "rag-service"
NODE = "ip-10-0-1-11.ec2.internal"
NOW = datetime.now(timezone.utc)


@pytest.fixture(scope="module")
def kube():
    """One sandbox whose qdrant-0 is OOMKilled over and over; the rest stays healthy."""
    server = KubeApiServer(step_seconds=0.02)
    server.start()
    requests.post(f"{server.url}/_sandbox/pods/{NS}/qdrant-0/break", json={"mode": "oom"}, timeout=2)
    yield server
    server.stop()


@pytest.fixture(scope="module")
def kube_client(kube, tmp_path_factory):
    path = str(tmp_path_factory.mktemp("kube") / "kubeconfig")
    write_kubeconfig(path, kube.url)
    api = KubeClient(path, timeout_seconds=1.0)
    eventually(lambda: next(p for p in api.pods(NS) if p.name == "qdrant-0").restarts >= 2)
    yield api
    api.close()


def test_pods_of_a_deployment_show_status_readiness_restarts_age_and_node(kube_client):
    pods = kube_client.pods(NS, RAG)
    assert [p.name for p in pods] == sorted(p.name for p in pods) and len(pods) == 3
    assert {(p.status, p.ready, p.ready_containers, p.containers, p.restarts) for p in pods} == {
        ("Running", True, 1, 1, 0)
    }
    assert all(p.node == "ip-10-0-2-21.ec2.internal" and p.created < NOW - timedelta(days=1) for p in pods)


def test_pods_carry_how_a_container_last_ended(kube_client):
    qdrant = next(p for p in kube_client.pods(NS) if p.name == "qdrant-0")
    assert (qdrant.status, qdrant.reason, qdrant.last_termination_reason) == (
        "CrashLoopBackOff",
        "CrashLoopBackOff",
        "OOMKilled",
    )
    assert NOW - timedelta(minutes=1) < qdrant.last_termination_at <= datetime.now(timezone.utc)


def test_warning_events_are_those_since_a_time_for_one_object_or_all(kube_client):
    recent = kube_client.warning_events(NS, NOW - timedelta(hours=1))
    assert {(e.reason, e.object_kind, e.object_name, e.source, e.node) for e in recent} == {
        ("BackOff", "Pod", "qdrant-0", "kubelet", "ip-10-0-2-21.ec2.internal")
    }
    assert kube_client.warning_events(NS, NOW - timedelta(hours=1), object_name="rag-service") == []
    assert kube_client.warning_events(NS, datetime.now(timezone.utc) + timedelta(hours=1)) == []


def test_describe_pod_shows_conditions_container_states_resources_and_events(kube_client):
    described = kube_client.describe_pod(NS, "qdrant-0")
    [container] = described.containers
    ready = next(c for c in described.conditions if c.type == "Ready")
    assert (described.status, described.node, described.controlled_by) == (
        "CrashLoopBackOff",
        "ip-10-0-2-21.ec2.internal",
        "StatefulSet/qdrant",
    )
    assert (ready.status, ready.reason) == ("False", "ContainersNotReady")
    assert (container.ready, container.state.state, container.state.reason) == (
        False,
        "waiting",
        "CrashLoopBackOff",
    )
    assert container.last_state.model_copy(update={"started": None, "finished": None}) == ContainerState(
        state="terminated", reason="OOMKilled", exit_code=137
    )
    assert container.restarts >= 2 and [e.reason for e in described.events] == ["BackOff"]


def test_describe_deployment_shows_replicas_conditions_resources_and_scaling_events(kube_client):
    described = kube_client.describe_deployment(NS, RAG)
    [container] = described.containers
    assert (described.replicas, described.ready, described.available, described.unavailable) == (3, 3, 3, 0)
    assert described.strategy == "RollingUpdate (max surge 1, max unavailable 0)"
    assert described.selector == "app=rag-service" and described.revision == "1"
    assert described.new_replica_set.startswith("rag-service-") and described.old_replica_sets == []
    assert (container.requests, container.limits, container.ready) == (
        {"cpu": "500m", "memory": "2Gi"},
        {},
        None,
    )
    assert [(c.type, c.status, c.reason) for c in described.conditions] == [
        ("Available", "True", "MinimumReplicasAvailable"),
        ("Progressing", "True", "NewReplicaSetAvailable"),
    ]
    assert [e.message for e in described.events] == [
        f"Scaled up replica set {described.new_replica_set} to 3 from 0"
    ]


def test_describe_node_shows_capacity_labels_conditions_and_its_events(kube_client):
    described = kube_client.describe_node("ip-10-0-2-21.ec2.internal")  # where qdrant-0 is OOMKilled
    assert (described.ready, described.unschedulable, described.taints) == (True, False, [])
    assert (described.instance_type, described.nodegroup, described.labels["node-group"]) == (
        "m5.xlarge",
        "system-node-group",
        "system",
    )
    assert described.capacity == {"cpu": "4", "memory": "16Gi", "pods": "110"}
    assert (
        Condition(
            type="MemoryPressure",
            status="False",
            reason="KubeletHasSufficientMemory",
            message="kubelet has sufficient memory available",
            since=described.conditions[0].since,
        )
        in described.conditions
    )
    assert {(e.reason, e.source) for e in described.events} == {("OOMKilling", "kernel-monitor")}
    assert kube_client.describe_node(NODE).capacity["nvidia.com/gpu"] == "8"


def test_previous_logs_hold_the_last_words_of_the_container_that_died(kube_client):
    previous = kube_client.pod_logs(NS, "qdrant-0", previous=True, tail_lines=2)
    assert previous.count("\n") == 2 and "Memory usage at" in previous.splitlines()[-1]
    assert kube_client.pod_logs(NS, "qdrant-0", since_seconds=3600, container="qdrant").strip()


def test_previous_logs_of_a_pod_that_never_restarted_are_refused(kube_client):
    name = kube_client.pods(NS, RAG)[0].name
    with pytest.raises(IntegrationError, match=f"cannot read previous logs of pod {NS}/{name}: .*rejected"):
        kube_client.pod_logs(NS, name, previous=True)


def test_describing_what_does_not_exist_is_not_found(kube_client):
    with pytest.raises(NotFound, match="cannot read pod llm-inference/no-such-pod: not found"):
        kube_client.describe_pod(NS, "no-such-pod")
    with pytest.raises(NotFound):
        kube_client.describe_node("no-such-node")
