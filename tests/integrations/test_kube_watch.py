"""KubeClient's watchers against the Kubernetes stand-in: list then watch, in order, with bookmarks,
a relist after 410 Gone, a resume after a dropped stream, backoff while the API fails, and stop."""

import threading
import time

import pytest
import requests

from integrations.errors import Forbidden
from integrations.kube import KubeClient
from integrations.kube_models import EventInfo, NodeInfo, PodInfo
from sandbox.kube_api import KubeApiServer, write_kubeconfig
from tests.kube_support import NS, clone, eventually

GPU_NODE = "ip-10-0-1-12.ec2.internal"


@pytest.fixture
def kube():
    server = KubeApiServer(step_seconds=0.02, bookmark_seconds=0.05)
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


def changes(events):
    """The events that carry an object, skipping bookmarks."""
    return (e for e in events if e.type != "BOOKMARK")


def watches_seen(kube):
    return sum(method == "WATCH" for method, _ in list(kube.stub.seen))


def test_a_watcher_relists_first_then_follows_a_pod_from_added_to_deleted(kube_client):
    events = changes(kube_client.watch_pods(NS, watch_seconds=5))
    relisted = next(events)
    assert (relisted.type, len(relisted.objects)) == ("RELISTED", 6)
    assert all(isinstance(p, PodInfo) for p in relisted.objects)
    clone(kube_client, "embedder", replicas=1)
    seen = []
    for event in events:
        seen.append(event)
        if event.type == "MODIFIED" and event.obj.ready:
            kube_client.delete_deployment(NS, "embedder")
        if event.type == "DELETED":
            break
    assert [e.type for e in seen] == ["ADDED", "MODIFIED", "DELETED"]
    assert len({e.obj.name for e in seen}) == 1 and seen[0].obj.name.startswith("embedder-")
    versions = [int(e.resource_version) for e in seen]
    assert int(relisted.resource_version) < versions[0] < versions[1] < versions[2]


def test_a_bookmark_moves_the_watchers_resource_version_past_changes_it_did_not_want(kube_client):
    watcher = kube_client.watch_pods(NS, watch_seconds=5)
    events = iter(watcher)
    start = next(events).resource_version
    after = kube_client.patch_configmap(NS, "guardrails-config", "max_input_tokens", "8192")
    assert after["max_input_tokens"] == "8192"
    bookmark = next(events)
    assert bookmark.type == "BOOKMARK" and bookmark.obj is None
    assert int(watcher.resource_version) == int(bookmark.resource_version) > int(start)


def test_after_410_gone_the_watcher_relists_without_losing_or_repeating_a_change(kube, kube_client):
    events = changes(kube_client.watch_pods(NS, watch_seconds=5))
    next(events)
    admin(kube, f"pods/{NS}/qdrant-0/break", {"mode": "evicted"})  # happens while nobody watches
    admin(kube, "compact")
    relisted = next(events)
    qdrant = next(p for p in relisted.objects if p.name == "qdrant-0")
    assert (relisted.type, qdrant.status, qdrant.phase) == ("RELISTED", "Evicted", "Failed")
    admin(kube, f"pods/{NS}/qdrant-0/fix")  # the evicted pod is deleted and the StatefulSet makes another
    following = [next(events) for _ in range(2)]
    assert [(e.type, e.obj.name, e.obj.uid == qdrant.uid) for e in following] == [
        ("DELETED", "qdrant-0", True),
        ("ADDED", "qdrant-0", False),
    ]


def test_a_watcher_resumes_where_a_dropped_stream_ended(kube, kube_client):
    events = changes(kube_client.watch_pods(NS, watch_seconds=30))
    next(events)

    def drop_then_change():
        eventually(lambda: watches_seen(kube) >= 1)
        admin(kube, "watches/close")
        admin(kube, f"pods/{NS}/qdrant-0/break", {"mode": "evicted"})

    threading.Thread(target=drop_then_change).start()
    evicted = next(events)
    assert (evicted.type, evicted.obj.name, evicted.obj.status) == ("MODIFIED", "qdrant-0", "Evicted")
    assert watches_seen(kube) == 2  # one stream dropped, the next resumed from its version: no relist


def test_a_watcher_backs_off_while_the_api_server_fails_then_carries_on(kube, kube_client):
    admin(kube, "fault", {"status": 503})
    pauses = []

    def sleep(seconds):
        pauses.append(seconds)
        if len(pauses) == 4:
            admin(kube, "fault")

    watcher = kube_client.watch_nodes(backoff=(1.0, 5.0), sleep=sleep)
    first = next(iter(watcher))
    assert pauses == [1.0, 2.0, 4.0, 5.0]
    assert first.type == "RELISTED" and all(isinstance(n, NodeInfo) for n in first.objects)


def test_a_watcher_gives_up_on_permanent_failures(kube, kube_client):
    admin(kube, "fault", {"status": 403})
    with pytest.raises(Forbidden, match="cannot watch pods in llm-inference: our service account"):
        next(iter(kube_client.watch_pods(NS, sleep=lambda seconds: None)))


def test_a_watcher_stopped_from_another_thread_ends_its_iteration(kube, kube_client):
    watcher = kube_client.watch_pods(NS, watch_seconds=60)
    received = []
    thread = threading.Thread(target=lambda: received.extend(watcher))
    thread.start()
    eventually(lambda: watches_seen(kube) >= 1)
    began = time.monotonic()
    watcher.stop()
    thread.join(timeout=3)
    assert not thread.is_alive() and time.monotonic() - began < 1
    assert [e.type for e in received] == ["RELISTED"] and watcher.stopped


def test_watching_warning_events_sees_backoff_recur_with_a_growing_count(kube, kube_client):
    events = changes(kube_client.watch_events(NS, watch_seconds=5))
    assert next(events).objects == []  # a healthy platform has no warnings
    admin(kube, f"pods/{NS}/qdrant-0/break", {"mode": "crashloop"})
    first, again = next(events), next(events)
    assert isinstance(first.obj, EventInfo)
    assert (first.type, first.obj.reason, first.obj.object_kind, first.obj.object_name, first.obj.count) == (
        "ADDED",
        "BackOff",
        "Pod",
        "qdrant-0",
        1,
    )
    assert (again.type, again.obj.name, again.obj.count) == ("MODIFIED", first.obj.name, 2)


def test_watching_nodes_sees_a_gpu_node_leave_and_join(kube, kube_client):
    events = changes(kube_client.watch_nodes(watch_seconds=5))
    relisted = next(events)
    assert sum(n.labels.get("nvidia.com/gpu.present") == "true" for n in relisted.objects) == 2
    admin(kube, f"nodes/{GPU_NODE}/remove")
    left = next(events)
    admin(kube, f"nodes/{GPU_NODE}/restore")
    joined = next(events)
    assert (left.type, left.obj.name, left.obj.labels["node-group"]) == ("DELETED", GPU_NODE, "a100")
    assert (joined.type, joined.obj.name, joined.obj.ready) == ("ADDED", GPU_NODE, True)
