"""KubeClient against the Kubernetes stand-in: our models out, our errors on failure."""

import time
from datetime import datetime, timezone

import pytest
import requests

from integrations.errors import Forbidden, IntegrationError, NotFound, Unavailable
from integrations.kube import KubeClient
from integrations.kube_models import DeploymentInfo, NodeInfo, NodeUsage, PodInfo
from sandbox.kube_api import KubeApiServer, write_kubeconfig

NS = "llm-inference"
GIB = 2**30


@pytest.fixture(scope="module")
def seen_client(tmp_path_factory):
    """One seeded sandbox shared by the tests that only read (stopping a server takes 0.5 s)."""
    server = KubeApiServer(step_seconds=0.02)
    server.start()
    path = str(tmp_path_factory.mktemp("kube") / "kubeconfig")
    write_kubeconfig(path, server.url)
    api = KubeClient(path, timeout_seconds=0.5)
    yield api
    api.close()
    server.stop()


@pytest.fixture
def kube():
    server = KubeApiServer(step_seconds=0.02)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def kubeconfig(kube, tmp_path):
    path = str(tmp_path / "kubeconfig")
    write_kubeconfig(path, kube.url)
    return path


@pytest.fixture
def kube_client(kubeconfig):
    api = KubeClient(kubeconfig, timeout_seconds=0.5)
    yield api
    api.close()


def eventually(check, timeout=5.0):
    deadline = time.monotonic() + timeout
    while not (result := check()):
        assert time.monotonic() < deadline, "condition not reached in time"
        time.sleep(0.02)
    return result


def inject(kube, **fault):
    requests.post(f"{kube.url}/_sandbox/fault", json=fault, timeout=2).raise_for_status()


def test_list_pods_reports_the_seeded_pods_ready(seen_client):
    qdrant = next(p for p in seen_client.list_pods(NS) if p.name == "qdrant-0")
    assert qdrant == PodInfo(
        name="qdrant-0",
        phase="Running",
        ready=True,
        reason=None,
        restarts=0,
        node="ip-10-0-2-21.ec2.internal",
        labels={"app": "qdrant"},
        images=["qdrant/qdrant:v1.8.1"],
        namespace=NS,
        status="Running",
        ready_containers=1,
        containers=1,
        created=qdrant.created,
        uid=qdrant.uid,
    )
    assert 47 * 3600 < (datetime.now(timezone.utc) - qdrant.created).total_seconds() < 49 * 3600
    assert sorted((p.labels["app"], p.ready) for p in seen_client.list_pods(NS)).count(("vllm", True)) == 2


def test_a_crash_looping_pod_reports_its_reason_and_restarts(kube, kube_client):
    requests.post(f"{kube.url}/_sandbox/pods/{NS}/qdrant-0/crash", timeout=2).raise_for_status()
    qdrant = eventually(
        lambda: next((p for p in kube_client.list_pods(NS) if p.name == "qdrant-0" and p.restarts >= 2), None)
    )
    assert (qdrant.phase, qdrant.ready, qdrant.reason) == ("Running", False, "CrashLoopBackOff")


def test_list_nodes_reads_capacity_as_numbers(seen_client):
    nodes = {n.name: n for n in seen_client.list_nodes()}
    assert nodes["ip-10-0-1-11.ec2.internal"] == NodeInfo(
        name="ip-10-0-1-11.ec2.internal",
        ready=True,
        nodegroup="a100-node-group",
        instance_type="p4d.24xlarge",
        cpu_capacity_millicores=96_000,
        memory_capacity_bytes=1152 * GIB,
        gpus=8,
        labels=nodes["ip-10-0-1-11.ec2.internal"].labels,
    )
    assert nodes["ip-10-0-1-11.ec2.internal"].labels["node-group"] == "a100"
    assert nodes["ip-10-0-2-21.ec2.internal"].gpus == 0


def test_a_node_taken_down_reports_not_ready(kube, kube_client):
    requests.post(
        f"{kube.url}/_sandbox/nodes/ip-10-0-1-12.ec2.internal/ready", json={"ready": False}, timeout=2
    ).raise_for_status()
    assert [n.name for n in kube_client.list_nodes() if not n.ready] == ["ip-10-0-1-12.ec2.internal"]


def test_node_usage_parses_nanocores_millicores_and_kibibytes(kube, kube_client):
    requests.post(
        f"{kube.url}/_sandbox/metrics/nodes/ip-10-0-1-12.ec2.internal",
        json={"cpu": "3n", "memory": "1.5Gi"},
        timeout=2,
    ).raise_for_status()
    assert sorted(kube_client.node_usage(), key=lambda u: u.name) == [
        NodeUsage(name="ip-10-0-1-11.ec2.internal", cpu_millicores=18_250, memory_bytes=331_350_000 * 1024),
        NodeUsage(name="ip-10-0-1-12.ec2.internal", cpu_millicores=0, memory_bytes=3 * GIB // 2),
        NodeUsage(name="ip-10-0-2-21.ec2.internal", cpu_millicores=1_250, memory_bytes=9_876_543 * 1024),
    ]


def test_get_deployment_reports_image_generation_and_revision(seen_client):
    assert seen_client.get_deployment(NS, "vllm-llama-3-70b") == DeploymentInfo(
        name="vllm-llama-3-70b",
        replicas=2,
        ready_replicas=2,
        updated_replicas=2,
        available_replicas=2,
        image="vllm/vllm-openai:v0.3.0",
        generation=1,
        observed_generation=1,
        revision="1",
    )


def test_list_deployments_names_both_workloads(seen_client):
    assert [(d.name, d.replicas) for d in seen_client.list_deployments(NS)] == [
        ("rag-service", 3),
        ("vllm-llama-3-70b", 2),
    ]


def test_scaling_a_deployment_changes_its_ready_pods(kube_client):
    kube_client.scale_deployment(NS, "rag-service", 4)
    scaled = eventually(
        lambda: (d := kube_client.get_deployment(NS, "rag-service")).ready_replicas == 4 and d
    )
    assert (scaled.replicas, scaled.generation, scaled.observed_generation) == (4, 2, 2)


def test_an_unknown_deployment_is_not_found(seen_client):
    with pytest.raises(NotFound) as caught:
        seen_client.get_deployment(NS, "no-such-model")
    assert (caught.value.system, caught.value.message) == (
        "kubernetes",
        "cannot read deployment llm-inference/no-such-model: not found",
    )


def test_scaling_to_a_negative_count_is_rejected_not_retried(seen_client):
    with pytest.raises(IntegrationError) as caught:
        seen_client.scale_deployment(NS, "rag-service", -1)
    assert type(caught.value) is IntegrationError


def test_a_stopped_api_server_is_unavailable_at_once(kube, kube_client):
    kube.stop()
    started = time.monotonic()
    with pytest.raises(Unavailable) as caught:
        kube_client.list_pods(NS)
    assert caught.value.message == "the API server refused the connection"
    assert time.monotonic() - started < 0.5


def test_a_hung_api_server_is_unavailable_within_the_timeout(kube, kube_client):
    inject(kube, delay_seconds=5)
    started = time.monotonic()
    with pytest.raises(Unavailable) as caught:
        kube_client.list_nodes()
    assert caught.value.message == "the API server did not answer within 0.5s"
    assert time.monotonic() - started < 1.0


def test_a_failing_api_server_is_unavailable(kube, kube_client):
    inject(kube, status=503)
    with pytest.raises(Unavailable):
        kube_client.list_deployments(NS)


def test_a_throttling_api_server_is_unavailable(kube, kube_client):
    inject(kube, status=429)
    with pytest.raises(Unavailable):
        kube_client.node_usage()


def test_a_refusal_of_our_service_account_is_forbidden_without_the_token(kube, kube_client):
    inject(kube, status=403)
    with pytest.raises(Forbidden) as caught:
        kube_client.list_pods(NS)
    assert caught.value.message == "cannot list pods in llm-inference: our service account is not allowed to"
    assert "sandbox-token" not in str(caught.value)


def test_pod_logs_come_back_as_text(seen_client):
    name = next(p.name for p in seen_client.list_pods(NS) if p.labels["app"] == "vllm")
    logs = seen_client.pod_logs(NS, name, tail_lines=2)
    assert len(logs.splitlines()) == 2 and not logs.startswith("b'")
