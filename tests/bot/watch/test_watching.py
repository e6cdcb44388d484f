"""The watch's threads and its poll against the Kubernetes stand-in (our client over HTTP): a relist
of each kind posts what is broken and keeps each resourceVersion; the threads follow a Deployment
breaking and healing, resume from what the store kept, stop at once; a refusing API server is said
in /readyz and never crashes anything."""

import time

import pytest
import requests

from bot import watch
from bot.clock import SystemClock
from bot.config import Settings
from bot.state import Store
from bot.watch.engine import cursor
from integrations.kube import KubeClient
from sandbox.kube_api import KubeApiServer, write_kubeconfig
from tests.kube_support import NS, eventually


@pytest.fixture
def kube():
    server = KubeApiServer(step_seconds=0.05, bookmark_seconds=0.2)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def watching(kube, tmp_path):
    write_kubeconfig(str(tmp_path / "kubeconfig"), kube.url)
    client = KubeClient(str(tmp_path / "kubeconfig"), timeout_seconds=1.0)
    store = Store(tmp_path / "db")
    settings = Settings(slack={"alerts_channel": "C0ALERTS"}, watch={"watch_seconds": 10})
    running = watch.build(store, settings, client, SystemClock())
    yield running, store
    running.stop()
    client.close()
    store.close()


def admin(kube, path, body=None):
    requests.post(f"{kube.url}/_sandbox/{path}", json=body or {}, timeout=2).raise_for_status()


def problem(store, reason, name="rag-service", kind="Deployment"):
    return store.kube_problem(kind, name, reason)


def test_a_healthy_cluster_posts_nothing(watching):
    running, store = watching
    running.poll()
    assert store.posts() == [] and store.kube_problems(("active", "resolved")) == []


def test_a_poll_relists_each_kind_posts_what_is_broken_and_keeps_each_resource_version(kube, watching):
    running, store = watching
    admin(kube, f"deployments/{NS}/rag-service/break", {"mode": "oom"})
    running.poll()
    found = problem(store, "OOMKilled")
    assert found.state == "active" and len(found.members) == 3
    assert [p.key for p in store.posts()] == [found.key]
    assert all(store.watch_value(cursor(kind)) for kind in ("Node", "Pod", "Event"))


def test_the_threads_follow_a_deployment_breaking_and_healing_then_stop_at_once(kube, watching):
    running, store = watching
    running.poll()  # what a previous run left: the threads resume from its resourceVersions
    kube.stub.seen.clear()
    running.start()
    eventually(lambda: sum(method == "WATCH" for method, _ in list(kube.stub.seen)) == 3)
    assert [path for method, path in kube.stub.seen if method == "GET"] == []  # no relist
    admin(kube, f"deployments/{NS}/rag-service/break", {"mode": "crashloop"})
    eventually(
        lambda: problem(store, "CrashLoopBackOff") and problem(store, "CrashLoopBackOff").state == "active"
    )
    admin(kube, f"deployments/{NS}/rag-service/fix")
    eventually(lambda: problem(store, "CrashLoopBackOff").state == "resolved")
    began = time.monotonic()
    running.stop()
    assert time.monotonic() - began < 2
    assert running.readiness() == {"kube_watch": "watching nodes, pods and events"}


def test_a_refusing_api_server_is_said_in_readyz_and_the_threads_still_stop(kube, watching):
    running, store = watching
    admin(kube, "fault", {"status": 403})
    running.poll()
    said = running.readiness()["kube_watch"]
    assert said.startswith("refused: events: cannot watch events in llm-inference: our service account")
    assert store.kube_problems(("active", "resolved")) == []
    running.start()
    began = time.monotonic()
    running.stop()
    assert time.monotonic() - began < 2


def test_threads_resuming_from_a_version_the_server_forgot_relist_and_resolve_what_healed(kube, watching):
    running, store = watching
    admin(kube, f"deployments/{NS}/rag-service/break", {"mode": "crashloop"})
    running.poll()
    assert problem(store, "CrashLoopBackOff").state == "active"
    admin(kube, f"deployments/{NS}/rag-service/fix")
    admin(kube, "compact")  # the kept resourceVersions are gone: 410, then a relist
    kube.stub.seen.clear()
    running.start()
    eventually(lambda: problem(store, "CrashLoopBackOff").state == "resolved")
    assert ("GET", f"/api/v1/namespaces/{NS}/pods") in list(kube.stub.seen)
    assert [p.key for p in store.posts()].count(
        problem(store, "CrashLoopBackOff").key
    ) >= 2  # post, then edit
