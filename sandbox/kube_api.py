"""A stand-in for the Kubernetes API server on loopback: real REST paths and JSON, so the official
`kubernetes` client works against it through `write_kubeconfig`, with a controller thread that rolls
deployments out, crash-loops bad images and reports honest status. Errors are `Status` objects.

Served: apps/v1 deployments (list, get, create, patch, replace, delete, scale get/patch/replace),
replicasets (list, get); core/v1 pods (list, get, delete, log), nodes, services, namespaces (list,
get); metrics.k8s.io/v1beta1 nodes and pods. Images whose tag contains `bad` or `crash` crash-loop.

Test-only admin routes (POST, JSON bodies):
  /_sandbox/fault                      {"delay_seconds": 5, "status": 503}, `{}` clears (httpstub)
  /_sandbox/pods/{ns}/{name}/crash     the pod starts crash-looping (CrashLoopBackOff)
  /_sandbox/pods/{ns}/{name}/heal      the pod stops crash-looping
  /_sandbox/pods/{ns}/{name}/logs      {"lines": ["... ERROR ..."]} appended with the current time
  /_sandbox/nodes/{name}/ready         {"ready": false} marks the node NotReady
  /_sandbox/metrics/nodes/{name}       {"cpu": "90000m", "memory": "1000Gi"}
  /_sandbox/metrics/pods/{ns}/{name}   {"cpu": "7850m", "memory": "148Gi"} for each container
  /_sandbox/settle                     fast-forward: every healthy pod ready, rollouts finished
"""

from __future__ import annotations

import threading
import time
from functools import partial
from typing import Callable

import yaml

from sandbox import kube_admin, kube_apps, kube_core
from sandbox.httpstub import Request, Response, StubServer
from sandbox.kube_cluster import Cluster
from sandbox.kube_controller import tick
from sandbox.kube_objects import failure
from sandbox.kube_seed import seed_platform

NS = r"/namespaces/(?P<ns>[^/]+)"
NAME = r"/(?P<name>[^/]+)"
CORE = "/api/v1"
APPS = "/apis/apps/v1"
METRICS = "/apis/metrics.k8s.io/v1beta1"
ADMIN = "/_sandbox"


class KubeApiServer:
    """The API server plus its controller; `step_seconds` is one controller tick, and a new pod
    becomes Ready after `ready_steps` ticks (defaults: 0.3 s and 5, so about 1.5 s a pod)."""

    def __init__(
        self,
        step_seconds: float = 0.3,
        ready_steps: int = 5,
        seed: bool = True,
        clock: Callable[[], float] = time.time,
    ):
        self.cluster = Cluster(ready_steps, clock)
        self.step_seconds = step_seconds
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self.stub = StubServer("kubernetes")
        for method, pattern, handler in routes(self.cluster):
            self.stub.route(method, pattern, handler)
        if seed:
            seed_platform(self.cluster)

    def start(self, port: int = 0) -> str:
        url = self.stub.start(port)
        self._stopping.clear()
        self._thread = threading.Thread(target=self._run_controller, name="kube-controller", daemon=True)
        self._thread.start()
        return url

    @property
    def url(self) -> str:
        return self.stub.url

    def stop(self) -> None:
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
        self.stub.stop()

    def _run_controller(self) -> None:
        while not self._stopping.wait(self.step_seconds):
            tick(self.cluster)


def routes(cluster: Cluster) -> tuple[tuple[str, str, Callable[[Request], Response]], ...]:
    return (
        ("POST", f"{ADMIN}/pods/(?P<ns>[^/]+){NAME}/crash", partial(kube_admin.crash_pod, cluster)),
        ("POST", f"{ADMIN}/pods/(?P<ns>[^/]+){NAME}/heal", partial(kube_admin.heal_pod, cluster)),
        ("POST", f"{ADMIN}/pods/(?P<ns>[^/]+){NAME}/logs", partial(kube_admin.add_log_lines, cluster)),
        ("POST", f"{ADMIN}/nodes{NAME}/ready", partial(kube_admin.set_node_readiness, cluster)),
        ("POST", f"{ADMIN}/metrics/nodes{NAME}", partial(kube_admin.set_node_usage, cluster)),
        ("POST", f"{ADMIN}/metrics/pods/(?P<ns>[^/]+){NAME}", partial(kube_admin.set_pod_usage, cluster)),
        ("POST", f"{ADMIN}/settle", partial(kube_admin.fast_forward, cluster)),
        ("GET", f"{CORE}/namespaces", kube_core.lister(cluster, "namespaces", "Namespace", "v1")),
        ("GET", f"{CORE}/namespaces{NAME}", kube_core.getter(cluster, "namespaces", "")),
        ("GET", f"{CORE}/nodes", kube_core.lister(cluster, "nodes", "Node", "v1")),
        ("GET", f"{CORE}/nodes{NAME}", kube_core.getter(cluster, "nodes", "")),
        ("GET", f"{CORE}/services", kube_core.lister(cluster, "services", "Service", "v1")),
        ("GET", f"{CORE}{NS}/services", kube_core.lister(cluster, "services", "Service", "v1")),
        ("GET", f"{CORE}{NS}/services{NAME}", kube_core.getter(cluster, "services", "")),
        ("GET", f"{CORE}/pods", kube_core.lister(cluster, "pods", "Pod", "v1")),
        ("GET", f"{CORE}{NS}/pods", kube_core.lister(cluster, "pods", "Pod", "v1")),
        ("GET", f"{CORE}{NS}/pods{NAME}", kube_core.getter(cluster, "pods", "")),
        ("DELETE", f"{CORE}{NS}/pods{NAME}", partial(kube_core.delete_pod, cluster)),
        ("GET", f"{CORE}{NS}/pods{NAME}/log", partial(kube_core.pod_log, cluster)),
        ("GET", f"{APPS}/deployments", kube_core.lister(cluster, "deployments", "Deployment", "apps/v1")),
        ("GET", f"{APPS}{NS}/deployments", kube_core.lister(cluster, "deployments", "Deployment", "apps/v1")),
        ("POST", f"{APPS}{NS}/deployments", partial(kube_apps.create_deployment, cluster)),
        ("GET", f"{APPS}{NS}/deployments{NAME}", kube_core.getter(cluster, "deployments", "apps")),
        ("PATCH", f"{APPS}{NS}/deployments{NAME}", partial(kube_apps.patch_deployment, cluster)),
        ("PUT", f"{APPS}{NS}/deployments{NAME}", partial(kube_apps.replace_deployment, cluster)),
        ("DELETE", f"{APPS}{NS}/deployments{NAME}", partial(kube_apps.delete_deployment, cluster)),
        ("GET", f"{APPS}{NS}/deployments{NAME}/scale", partial(kube_apps.get_scale, cluster)),
        ("PATCH", f"{APPS}{NS}/deployments{NAME}/scale", partial(kube_apps.patch_scale, cluster)),
        ("PUT", f"{APPS}{NS}/deployments{NAME}/scale", partial(kube_apps.replace_scale, cluster)),
        ("GET", f"{APPS}/replicasets", kube_core.lister(cluster, "replicasets", "ReplicaSet", "apps/v1")),
        ("GET", f"{APPS}{NS}/replicasets", kube_core.lister(cluster, "replicasets", "ReplicaSet", "apps/v1")),
        ("GET", f"{APPS}{NS}/replicasets{NAME}", kube_core.getter(cluster, "replicasets", "apps")),
        ("GET", f"{METRICS}/nodes", partial(kube_core.node_metrics, cluster)),
        ("GET", f"{METRICS}/nodes{NAME}", partial(kube_core.node_metrics, cluster)),
        ("GET", f"{METRICS}/pods", partial(kube_core.pod_metrics, cluster)),
        ("GET", f"{METRICS}{NS}/pods", partial(kube_core.pod_metrics, cluster)),
        ("GET", f"{METRICS}{NS}/pods{NAME}", partial(kube_core.pod_metrics, cluster)),
        *((method, r"/.*", _no_such_resource) for method in ("GET", "POST", "PUT", "PATCH", "DELETE")),
    )


def _no_such_resource(req: Request) -> Response:
    return failure(404, "NotFound", "the server could not find the requested resource")


def write_kubeconfig(path: str, server_url: str, namespace: str = "llm-inference") -> None:
    """A kubeconfig with one context, `sandbox`, pointing at `server_url` with a dummy token."""
    config = {
        "apiVersion": "v1",
        "kind": "Config",
        "preferences": {},
        "current-context": "sandbox",
        "clusters": [{"name": "sandbox", "cluster": {"server": server_url}}],
        "users": [{"name": "sandbox", "user": {"token": "sandbox-token-not-secret"}}],
        "contexts": [
            {"name": "sandbox", "context": {"cluster": "sandbox", "user": "sandbox", "namespace": namespace}}
        ],
    }
    with open(path, "w", encoding="utf-8") as handle:
        yaml.safe_dump(config, handle, sort_keys=False)
