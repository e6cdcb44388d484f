"""Problems on demand in the Kubernetes stand-in, read back through KubeClient as the bot would: each
shows the reason kubelet or the scheduler would give, with its Warning event, and healing clears it."""

from datetime import datetime, timedelta, timezone

import pytest
import requests

from integrations.kube import KubeClient
from sandbox.kube_api import KubeApiServer, write_kubeconfig
from tests.kube_support import NS, eventually

RAG = "rag-service"
VLLM = "vllm-llama-3-70b"
GPU_NODES = ("ip-10-0-1-11.ec2.internal", "ip-10-0-1-12.ec2.internal")
HOUR_AGO = datetime.now(timezone.utc) - timedelta(hours=1)


@pytest.fixture
def kube():
    server = KubeApiServer(step_seconds=0.02)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def kube_client(kube, tmp_path):
    write_kubeconfig(str(tmp_path / "kubeconfig"), kube.url)
    api = KubeClient(str(tmp_path / "kubeconfig"), timeout_seconds=1.0)
    yield api
    api.close()


def admin(kube, path, body=None):
    requests.post(f"{kube.url}/_sandbox/{path}", json=body or {}, timeout=2).raise_for_status()


def warnings(kube_client, reason):
    return [e for e in kube_client.warning_events(NS, HOUR_AGO) if e.reason == reason]


def all_ready(kube_client, deployment, count):
    pods = kube_client.pods(NS, deployment)
    return len(pods) == count and all(p.ready for p in pods) and pods


def test_an_oom_break_kills_every_pod_of_the_deployment_again_and_again(kube, kube_client):
    admin(kube, f"deployments/{NS}/{RAG}/break", {"mode": "oom"})
    pods = eventually(lambda: (p := kube_client.pods(NS, RAG)) and all(x.restarts >= 2 for x in p) and p)
    assert {(p.status, p.last_termination_reason, p.ready) for p in pods} == {
        ("CrashLoopBackOff", "OOMKilled", False)
    }
    assert {e.object_name for e in warnings(kube_client, "BackOff")} == {p.name for p in pods}
    node = kube_client.describe_node(pods[0].node)
    assert any(e.reason == "OOMKilling" and e.type == "Warning" for e in node.events)
    admin(kube, f"deployments/{NS}/{RAG}/fix")
    healed = eventually(lambda: all_ready(kube_client, RAG, 3))
    assert all(
        p.restarts >= 2 and p.last_termination_reason == "OOMKilled" for p in healed
    )  # as kubelet keeps them


def test_a_crash_loop_restarts_keep_growing_and_so_does_the_backoff_event(kube, kube_client):
    admin(kube, f"pods/{NS}/qdrant-0/break", {"mode": "crashloop"})
    first = eventually(lambda: warnings(kube_client, "BackOff"))[0]
    later = eventually(
        lambda: (e := warnings(kube_client, "BackOff")) and e[0].count >= first.count + 2 and e[0]
    )
    qdrant = next(p for p in kube_client.pods(NS) if p.name == "qdrant-0")
    assert (qdrant.status, qdrant.last_termination_reason) == ("CrashLoopBackOff", "Error")
    assert qdrant.restarts >= later.count >= 3 and later.last_seen >= first.last_seen
    admin(kube, f"pods/{NS}/qdrant-0/fix")
    assert next(p for p in kube_client.pods(NS) if p.name == "qdrant-0").ready


def test_a_nonexistent_image_stalls_the_rollout_in_image_pull_back_off(kube, kube_client):
    admin(kube, f"deployments/{NS}/{RAG}/break", {"mode": "imagepull"})
    stuck = eventually(lambda: [p for p in kube_client.pods(NS, RAG) if p.status == "ImagePullBackOff"])
    assert stuck[0].phase == "Pending" and stuck[0].images == [
        "ghcr.io/example/rag-service:1.4.2-nonexistent"
    ]
    messages = [e.message for e in warnings(kube_client, "Failed") if e.object_name == stuck[0].name]
    assert any(
        m.startswith('Failed to pull image "ghcr.io/example/rag-service:1.4.2-nonexistent"') for m in messages
    )
    assert {"Error: ErrImagePull", "Error: ImagePullBackOff"} <= set(messages)
    assert sum(p.ready for p in kube_client.pods(NS, RAG)) == 3  # maxUnavailable 0: the old pods serve on
    admin(kube, f"deployments/{NS}/{RAG}/fix")
    healed = eventually(lambda: kube_client.rollout(NS, RAG).done and all_ready(kube_client, RAG, 3))
    assert {p.images[0] for p in healed} == {"ghcr.io/example/rag-service:1.4.2"}


def test_a_pod_no_node_fits_is_pending_with_a_failed_scheduling_event(kube, kube_client):
    admin(kube, f"deployments/{NS}/{RAG}/break", {"mode": "unschedulable"})
    pending = eventually(lambda: [p for p in kube_client.pods(NS, RAG) if p.reason == "Unschedulable"])[0]
    assert (pending.phase, pending.node) == ("Pending", None)
    [event] = eventually(lambda: warnings(kube_client, "FailedScheduling"))
    assert event.object_name == pending.name and event.source == "default-scheduler"
    assert event.message.startswith(
        "0/3 nodes are available: 3 node(s) didn't match Pod's node affinity/selector."
    )
    admin(kube, f"deployments/{NS}/{RAG}/fix")
    eventually(lambda: kube_client.rollout(NS, RAG).done and all_ready(kube_client, RAG, 3))


def test_vllm_scaled_past_the_gpus_leaves_a_pod_pending_for_want_of_gpus(kube, kube_client):
    kube_client.scale_deployment(NS, VLLM, 5)  # four pods of four GPUs fill two nodes of eight
    pending = eventually(
        lambda: [p for p in kube_client.pods(NS, VLLM) if p.phase == "Pending" and not p.node]
    )
    [event] = eventually(lambda: warnings(kube_client, "FailedScheduling"))
    assert (len(pending), event.object_name) == (1, pending[0].name)
    assert event.message.startswith("0/3 nodes are available: 3 Insufficient nvidia.com/gpu.")


def test_an_evicted_pod_is_failed_and_replaced_and_fixing_deletes_it(kube, kube_client):
    victim = kube_client.pods(NS, RAG)[0].name
    admin(kube, f"pods/{NS}/{victim}/break", {"mode": "evicted"})
    evicted = next(p for p in kube_client.pods(NS, RAG) if p.name == victim)
    assert (evicted.phase, evicted.status, evicted.reason) == ("Failed", "Evicted", "Evicted")
    [event] = warnings(kube_client, "Evicted")
    assert event.object_name == victim and event.message.startswith("The node was low on resource: memory.")
    eventually(lambda: sum(p.ready for p in kube_client.pods(NS, RAG)) == 3)  # a replacement
    admin(kube, f"pods/{NS}/{victim}/fix")
    assert victim not in [p.name for p in kube_client.pods(NS, RAG)]


def test_a_node_not_ready_takes_its_pods_down_with_warnings_until_fixed(kube, kube_client):
    node = GPU_NODES[1]
    on_node = {p.name for p in kube_client.pods(NS) if p.node == node}
    admin(kube, f"nodes/{node}/ready", {"ready": False})
    assert not next(n for n in kube_client.list_nodes() if n.name == node).ready
    assert {p.name for p in kube_client.pods(NS) if p.node == node and not p.ready} == on_node != set()
    assert {e.object_name for e in warnings(kube_client, "NodeNotReady")} == on_node
    assert "node.kubernetes.io/unreachable:NoSchedule" in kube_client.describe_node(node).taints
    admin(kube, f"nodes/{node}/fix")
    assert all(p.ready for p in kube_client.pods(NS) if p.node == node)


def test_memory_and_disk_pressure_show_in_conditions_taints_and_events(kube, kube_client):
    node = GPU_NODES[0]
    admin(kube, f"nodes/{node}/pressure", {"memory": True, "disk": True})
    info = next(n for n in kube_client.list_nodes() if n.name == node)
    described = kube_client.describe_node(node)
    conditions = {c.type: (c.status, c.reason) for c in described.conditions}
    assert (info.ready, info.memory_pressure, info.disk_pressure) == (True, True, True)
    assert conditions["MemoryPressure"] == ("True", "KubeletHasInsufficientMemory")
    assert conditions["DiskPressure"] == ("True", "KubeletHasDiskPressure")
    assert {
        "node.kubernetes.io/memory-pressure:NoSchedule",
        "node.kubernetes.io/disk-pressure:NoSchedule",
    } <= set(described.taints)
    reclaiming = sorted(e.message for e in described.events if e.reason == "EvictionThresholdMet")
    assert reclaiming == ["Attempting to reclaim ephemeral-storage", "Attempting to reclaim memory"]
    admin(kube, f"nodes/{node}/fix")
    healed = kube_client.describe_node(node)
    assert not healed.taints and {c.status for c in healed.conditions if c.type != "Ready"} == {"False"}


def test_a_gpu_node_leaving_moves_vllm_to_the_other_and_both_leaving_leaves_it_pending(kube, kube_client):
    admin(kube, f"nodes/{GPU_NODES[1]}/remove")
    assert GPU_NODES[1] not in [n.name for n in kube_client.list_nodes()]
    moved = eventually(lambda: all_ready(kube_client, VLLM, 2))
    assert {p.node for p in moved} == {GPU_NODES[0]}  # eight GPUs hold both four-GPU pods
    admin(kube, f"nodes/{GPU_NODES[0]}/remove")
    stranded = eventually(
        lambda: (p := kube_client.pods(NS, VLLM)) and all(x.reason == "Unschedulable" for x in p) and p
    )
    assert (
        len(stranded) == 2
        and "Insufficient nvidia.com/gpu" in warnings(kube_client, "FailedScheduling")[0].message
    )
    admin(kube, f"nodes/{GPU_NODES[0]}/restore")
    eventually(lambda: all_ready(kube_client, VLLM, 2))


def test_breaking_with_an_unknown_mode_is_a_bad_request(kube):
    answer = requests.post(
        f"{kube.url}/_sandbox/deployments/{NS}/{RAG}/break", json={"mode": "gone"}, timeout=2
    )
    assert (answer.status_code, answer.json()["message"]) == (
        400,
        "mode must be one of crashloop, oom, imagepull, unschedulable",
    )
