"""Watches on the Kubernetes stand-in, driven through the official client's `watch.Watch`."""

import threading
import time

import pytest
import requests
from kubernetes import client, config, watch
from kubernetes.client.exceptions import ApiException

from sandbox.kube_api import KubeApiServer, write_kubeconfig

NS = "llm-inference"


@pytest.fixture
def kube():
    server = KubeApiServer(step_seconds=0.02, bookmark_seconds=0.05)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def api(kube, tmp_path):
    write_kubeconfig(str(tmp_path / "kubeconfig"), kube.url)
    configuration = client.Configuration()
    config.load_kube_config(
        config_file=str(tmp_path / "kubeconfig"), client_configuration=configuration, persist_config=False
    )
    return client.ApiClient(configuration)


@pytest.fixture
def core(api):
    return client.CoreV1Api(api)


def admin(kube, path, body=None):
    answer = requests.post(f"{kube.url}/_sandbox/{path}", json=body or {}, timeout=2)
    answer.raise_for_status()
    return answer.json()


def eventually(check, timeout=5.0):
    deadline = time.monotonic() + timeout
    while not (result := check()):
        assert time.monotonic() < deadline, "condition not reached in time"
        time.sleep(0.02)
    return result


def follow(stream, until):
    """Events from `stream` up to and including the first for which `until` holds."""
    seen = []
    for event in stream:
        seen.append(event)
        if until(event):
            return seen
    raise AssertionError(f"the stream ended before the awaited event; saw {[e['type'] for e in seen]}")


def test_a_watch_replays_a_pods_life_in_order_with_rising_resource_versions(kube, core):
    start = core.list_namespaced_pod(NS).metadata.resource_version
    admin(kube, f"pods/{NS}/qdrant-0/break", {"mode": "evicted"})
    admin(kube, f"pods/{NS}/qdrant-0/fix")  # deletes the evicted pod; the StatefulSet makes a new one
    eventually(lambda: core.read_namespaced_pod("qdrant-0", NS).status.phase == "Running")
    stream = watch.Watch().stream(core.list_namespaced_pod, NS, resource_version=start, timeout_seconds=5)
    events = follow(stream, lambda e: e["type"] == "MODIFIED" and e["object"].status.phase == "Running")
    assert [(e["type"], e["object"].status.phase) for e in events] == [
        ("MODIFIED", "Failed"),
        ("DELETED", "Failed"),
        ("ADDED", "Pending"),
        ("MODIFIED", "Running"),
    ]
    versions = [int(e["object"].metadata.resource_version) for e in events]
    assert versions == sorted(versions) and int(start) < versions[0]


def test_a_watch_without_a_resource_version_starts_with_every_object_added(core):
    stream = watch.Watch().stream(core.list_node, timeout_seconds=5)
    first = [next(stream) for _ in range(3)]
    stream.close()
    assert sorted((e["type"], e["object"].metadata.name) for e in first) == [
        ("ADDED", "ip-10-0-1-11.ec2.internal"),
        ("ADDED", "ip-10-0-1-12.ec2.internal"),
        ("ADDED", "ip-10-0-2-21.ec2.internal"),
    ]


def test_a_bookmark_carries_the_resource_version_of_changes_the_watch_did_not_want(kube, core):
    start = core.list_namespaced_pod(NS).metadata.resource_version
    core.patch_namespaced_config_map("guardrails-config", NS, {"data": {"max_input_tokens": "8192"}})
    changed = int(core.read_namespaced_config_map("guardrails-config", NS).metadata.resource_version)
    watcher = watch.Watch()
    stream = watcher.stream(
        core.list_namespaced_pod, NS, resource_version=start, allow_watch_bookmarks=True, timeout_seconds=5
    )
    bookmark = follow(stream, lambda e: e["type"] == "BOOKMARK")[-1]
    stream.close()
    assert bookmark["raw_object"]["kind"] == "Pod"
    assert int(watcher.resource_version) >= changed > int(start)


def test_watching_from_a_compacted_resource_version_is_410_gone(kube, core):
    start = core.list_namespaced_pod(NS).metadata.resource_version
    admin(kube, f"pods/{NS}/qdrant-0/break", {"mode": "evicted"})
    compacted = admin(kube, "compact")["compacted"]
    with pytest.raises(ApiException) as caught:
        list(watch.Watch().stream(core.list_namespaced_pod, NS, resource_version=start, timeout_seconds=5))
    assert caught.value.status == 410
    assert caught.value.reason == f"Expired: too old resource version: {start} ({compacted})"
    current = core.list_namespaced_pod(NS).metadata.resource_version  # a relist: then watch from here
    admin(kube, f"pods/{NS}/qdrant-0/fix")
    stream = watch.Watch().stream(core.list_namespaced_pod, NS, resource_version=current, timeout_seconds=5)
    assert (next(stream)["type"], next(stream)["type"]) == ("DELETED", "ADDED")


def test_lists_carry_a_resource_version_counted_across_all_objects(core):
    pods = int(core.list_namespaced_pod(NS).metadata.resource_version)
    nodes = int(core.list_node().metadata.resource_version)
    newest = max(int(p.metadata.resource_version) for p in core.list_namespaced_pod(NS).items)
    assert pods == nodes >= newest


def test_events_are_watched_in_both_apis_with_field_selectors(kube, api, core):
    start = core.list_namespaced_event(NS).metadata.resource_version
    admin(kube, f"pods/{NS}/qdrant-0/break", {"mode": "oom"})
    selector = "involvedObject.name=qdrant-0,type=Warning"
    core_events = watch.Watch().stream(
        core.list_namespaced_event, NS, resource_version=start, field_selector=selector, timeout_seconds=5
    )
    backoff = follow(core_events, lambda e: e["object"].reason == "BackOff")[-1]["object"]
    newer = watch.Watch().stream(
        client.EventsV1Api(api).list_namespaced_event,
        NS,
        resource_version=start,
        field_selector="regarding.name=qdrant-0",
        timeout_seconds=5,
    )
    same = follow(newer, lambda e: e["object"].reason == "BackOff")[-1]["object"]
    assert (backoff.type, backoff.involved_object.kind, backoff.source.component) == (
        "Warning",
        "Pod",
        "kubelet",
    )
    assert (same.regarding.name, same.note, same.reporting_controller) == (
        "qdrant-0",
        backoff.message,
        "kubelet",
    )


def test_closing_watches_ends_an_open_stream_promptly(kube, core):
    stream = watch.Watch().stream(core.list_namespaced_pod, NS, timeout_seconds=30)
    [next(stream) for _ in range(6)]  # the six seeded pods, ADDED
    threading.Thread(target=lambda: admin(kube, "watches/close")).start()
    began = time.monotonic()
    assert list(stream) == []
    assert time.monotonic() - began < 2
