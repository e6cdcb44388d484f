"""The Role and ClusterRole in manifests/ must allow every Kubernetes call the bot makes. Each KubeClient
method runs against the stand-in, which records the requests it served (a watch as WATCH); each request
is mapped to the RBAC (group, resource, verb) the API server would check, and looked up in the granted
rules."""

import inspect
import threading
import time
from datetime import datetime, timezone

import pytest

from integrations.kube import KubeClient
from sandbox.kube_api import KubeApiServer, write_kubeconfig
from tests.kube_support import granted, rbac_attributes

NS = "llm-inference"
# every public KubeClient method, called once with plausible arguments
KUBE_CALLS = {
    "list_pods": (NS,),
    "list_nodes": (),
    "node_usage": (),
    "get_deployment": (NS, "rag-service"),
    "list_deployments": (NS,),
    "scale_deployment": (NS, "rag-service", 3),
    "pod_logs": (NS, "qdrant-0"),
    "set_image": (NS, "rag-service", "ghcr.io/example/rag-service:1.4.3"),
    "deployment_manifest": (NS, "rag-service"),
    "create_deployment": (
        NS,
        {
            "metadata": {"name": "rbac-check", "labels": {"app": "rbac-check"}},
            "spec": {
                "replicas": 1,
                "selector": {"matchLabels": {"app": "rbac-check"}},
                "template": {
                    "metadata": {"labels": {"app": "rbac-check"}},
                    "spec": {"containers": [{"name": "c", "image": "busybox:1"}]},
                },
            },
        },
    ),
    "deployment_exists": (NS, "rbac-check"),
    "delete_deployment": (NS, "rbac-check"),
    "revisions": (NS, "rag-service"),
    "apply_template": (
        NS,
        "rag-service",
        {
            "metadata": {"labels": {"app": "rag-service"}},
            "spec": {"containers": [{"name": "rag-service", "image": "ghcr.io/example/rag-service:1.4.2"}]},
        },
    ),
    "rollout": (NS, "rag-service"),
    "pods_for": (NS, "rag-service"),
}

KUBE_CALLS["list_services"] = ()  # cluster-wide, for the security audit
KUBE_CALLS |= {
    "pods": (NS, "rag-service"),
    "warning_events": (NS, datetime(2024, 1, 1, tzinfo=timezone.utc)),
    "describe_pod": (NS, "qdrant-0"),
    "describe_deployment": (NS, "rag-service"),
    "describe_node": ("ip-10-0-1-11.ec2.internal",),
    "restart_deployment": (NS, "rag-service", datetime(2024, 5, 1, 12, tzinfo=timezone.utc)),
    "get_configmap": (NS, "guardrails-config"),
    "patch_configmap": (NS, "guardrails-config", "toxicity_threshold", "0.7"),
    "vulnerability_reports": (NS,),
    # a watch lists, then watches: followed until the stand-in has seen the watch request
    "watch_pods": lambda client, server: follow_briefly(client.watch_pods(NS), server),
    "watch_nodes": lambda client, server: follow_briefly(client.watch_nodes(), server),
    "watch_events": lambda client, server: follow_briefly(client.watch_events(NS), server),
}
CLIENTS = [(KubeClient, KUBE_CALLS)]


def follow_briefly(watcher, server):
    """Iterate the watcher in a thread until its watch request reaches the stand-in, then stop it."""
    thread = threading.Thread(target=lambda: list(watcher))
    thread.start()
    deadline = time.monotonic() + 5
    while not any(method == "WATCH" for method, _ in list(server.stub.seen)):
        assert time.monotonic() < deadline, "the watcher never watched"
        time.sleep(0.01)
    watcher.stop()
    thread.join(timeout=5)
    assert not thread.is_alive()


@pytest.fixture(scope="module")
def kubeconfig(tmp_path_factory):
    server = KubeApiServer(step_seconds=0.05)
    server.start()
    path = tmp_path_factory.mktemp("kube") / "kubeconfig"
    write_kubeconfig(str(path), server.url)
    yield server, str(path)
    server.stop()


@pytest.mark.parametrize("client_class, calls", CLIENTS, ids=["KubeClient"])
def test_every_public_method_of_each_kubernetes_client_is_exercised_here(client_class, calls):
    public = {
        name for name, _ in inspect.getmembers(client_class, inspect.isfunction) if not name.startswith("_")
    }
    assert public - {"close"} == set(calls)


@pytest.mark.parametrize("client_class, calls", CLIENTS, ids=["KubeClient"])
def test_the_roles_allow_every_call_each_kubernetes_client_makes(kubeconfig, client_class, calls):
    server, path = kubeconfig
    client = client_class(path)
    for name, call in calls.items():
        server.stub.seen.clear()
        call(client, server) if callable(call) else getattr(client, name)(*call)
        made = {rbac_attributes(method, path) for method, path in server.stub.seen}
        assert made, f"{name} made no API call"
        assert made <= granted(), f"{name} needs {made - granted()}"
