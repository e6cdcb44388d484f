"""The Kubernetes stand-in's route table: the API paths it serves, the list paths that can be watched,
and the test-only `/_sandbox/` routes (documented in `kube_api`). Anything else is a 404 `Status`,
as the API server answers for a resource type it does not have.
"""

from __future__ import annotations

from functools import partial
from typing import Callable

from sandbox import (
    kube_admin,
    kube_apps,
    kube_break,
    kube_break_nodes,
    kube_configmaps,
    kube_core,
    kube_nodegroups,
)
from sandbox.httpstub import Request, Response
from sandbox.kube_cluster import Cluster
from sandbox.kube_events import as_events_v1, events_v1_field
from sandbox.kube_objects import failure
from sandbox.kube_trivy import API_VERSION as TRIVY
from sandbox.kube_watch import WatchSpec

NS = r"/namespaces/(?P<ns>[^/]+)"
NAME = r"/(?P<name>[^/]+)"
IN_NS = r"/(?P<ns>[^/]+)"  # admin paths name the namespace without the `namespaces/` segment
CORE = "/api/v1"
APPS = "/apis/apps/v1"
EVENTS = "/apis/events.k8s.io/v1"
METRICS = "/apis/metrics.k8s.io/v1beta1"
ADMIN = "/_sandbox"
Route = tuple[str, str, Callable[[Request], Response]]
# list paths that answer `?watch=true`, with what they stream
WATCHED = (
    (f"{CORE}(?:{NS})?/pods", WatchSpec("pods", "Pod", "v1")),
    (f"{CORE}/nodes", WatchSpec("nodes", "Node", "v1")),
    (f"{CORE}(?:{NS})?/events", WatchSpec("events", "Event", "v1")),
    (
        f"{EVENTS}(?:{NS})?/events",
        WatchSpec("events", "Event", "events.k8s.io/v1", as_events_v1, events_v1_field),
    ),
    (f"{APPS}(?:{NS})?/deployments", WatchSpec("deployments", "Deployment", "apps/v1")),
    (f"{APPS}(?:{NS})?/replicasets", WatchSpec("replicasets", "ReplicaSet", "apps/v1")),
)


def routes(cluster: Cluster) -> tuple[Route, ...]:
    return (*admin_routes(cluster), *api_routes(cluster), *_catch_all())


def admin_routes(cluster: Cluster) -> tuple[Route, ...]:
    pod, dep, node = f"{ADMIN}/pods{IN_NS}{NAME}", f"{ADMIN}/deployments{IN_NS}{NAME}", f"{ADMIN}/nodes{NAME}"
    return (
        ("POST", f"{pod}/crash", partial(kube_break.break_pod, cluster, mode="crashloop")),
        ("POST", f"{pod}/heal", partial(kube_break.fix_pod, cluster)),
        ("POST", f"{pod}/break", partial(kube_break.break_pod, cluster)),
        ("POST", f"{pod}/fix", partial(kube_break.fix_pod, cluster)),
        ("POST", f"{pod}/logs", partial(kube_admin.add_log_lines, cluster)),
        ("POST", f"{dep}/break", partial(kube_break.break_deployment, cluster)),
        ("POST", f"{dep}/fix", partial(kube_break.fix_deployment, cluster)),
        ("POST", f"{node}/ready", partial(kube_break_nodes.set_readiness, cluster)),
        ("POST", f"{node}/pressure", partial(kube_break_nodes.set_pressure, cluster)),
        ("POST", f"{node}/remove", partial(kube_break_nodes.remove_node, cluster)),
        ("POST", f"{node}/restore", partial(kube_break_nodes.restore_node, cluster)),
        ("POST", f"{node}/fix", partial(kube_break_nodes.fix_node, cluster)),
        ("POST", f"{ADMIN}/nodegroups/(?P<group>[^/]+)/size", partial(kube_nodegroups.set_size, cluster)),
        ("POST", f"{ADMIN}/metrics/nodes{NAME}", partial(kube_admin.set_node_usage, cluster)),
        ("POST", f"{ADMIN}/metrics/pods{IN_NS}{NAME}", partial(kube_admin.set_pod_usage, cluster)),
        ("POST", f"{ADMIN}/settle", partial(kube_admin.fast_forward, cluster)),
        ("POST", f"{ADMIN}/compact", partial(kube_admin.compact, cluster)),
        ("POST", f"{ADMIN}/watches/close", partial(kube_admin.close_watches, cluster)),
        ("POST", f"{ADMIN}/crds/vulnerabilityreports", partial(kube_admin.set_trivy, cluster)),
    )


def api_routes(cluster: Cluster) -> tuple[Route, ...]:
    lister, getter = partial(kube_core.lister, cluster), partial(kube_core.getter, cluster)
    return (
        ("GET", f"{CORE}/namespaces", lister("namespaces", "Namespace", "v1")),
        ("GET", f"{CORE}/namespaces{NAME}", getter("namespaces", "")),
        ("GET", f"{CORE}/nodes", lister("nodes", "Node", "v1")),
        ("GET", f"{CORE}/nodes{NAME}", getter("nodes", "")),
        ("GET", f"{CORE}(?:{NS})?/services", lister("services", "Service", "v1")),
        ("GET", f"{CORE}{NS}/services{NAME}", getter("services", "")),
        ("GET", f"{CORE}(?:{NS})?/pods", lister("pods", "Pod", "v1")),
        ("GET", f"{CORE}{NS}/pods{NAME}", getter("pods", "")),
        ("DELETE", f"{CORE}{NS}/pods{NAME}", partial(kube_core.delete_pod, cluster)),
        ("GET", f"{CORE}{NS}/pods{NAME}/log", partial(kube_core.pod_log, cluster)),
        ("GET", f"{CORE}(?:{NS})?/events", lister("events", "Event", "v1")),
        ("GET", f"{CORE}{NS}/events{NAME}", getter("events", "")),
        ("GET", f"{EVENTS}(?:{NS})?/events", lister("events", "Event", "events.k8s.io/v1", *EVENTS_V1)),
        ("GET", f"{EVENTS}{NS}/events{NAME}", getter("events", "events.k8s.io", as_events_v1)),
        ("GET", f"{CORE}(?:{NS})?/configmaps", lister("configmaps", "ConfigMap", "v1")),
        ("GET", f"{CORE}{NS}/configmaps{NAME}", getter("configmaps", "")),
        ("PATCH", f"{CORE}{NS}/configmaps{NAME}", partial(kube_configmaps.patch_configmap, cluster)),
        ("PUT", f"{CORE}{NS}/configmaps{NAME}", partial(kube_configmaps.replace_configmap, cluster)),
        *_apps_routes(cluster),
        ("GET", f"/apis/{TRIVY}(?:{NS})?/vulnerabilityreports", _trivy(cluster, lister(*REPORTS))),
        ("GET", f"/apis/{TRIVY}{NS}/vulnerabilityreports{NAME}", _trivy(cluster, getter(*REPORT))),
        ("GET", f"{METRICS}/nodes(?:{NAME})?", partial(kube_core.node_metrics, cluster)),
        ("GET", f"{METRICS}(?:{NS})?/pods", partial(kube_core.pod_metrics, cluster)),
        ("GET", f"{METRICS}{NS}/pods{NAME}", partial(kube_core.pod_metrics, cluster)),
    )


EVENTS_V1 = (as_events_v1, events_v1_field)
REPORTS = ("vulnerabilityreports", "VulnerabilityReport", TRIVY)
REPORT = ("vulnerabilityreports", "aquasecurity.github.io")


def _apps_routes(cluster: Cluster) -> tuple[Route, ...]:
    lister, getter = partial(kube_core.lister, cluster), partial(kube_core.getter, cluster)
    dep = f"{APPS}{NS}/deployments{NAME}"
    return (
        ("GET", f"{APPS}(?:{NS})?/deployments", lister("deployments", "Deployment", "apps/v1")),
        ("POST", f"{APPS}{NS}/deployments", partial(kube_apps.create_deployment, cluster)),
        ("GET", dep, getter("deployments", "apps")),
        ("PATCH", dep, partial(kube_apps.patch_deployment, cluster)),
        ("PUT", dep, partial(kube_apps.replace_deployment, cluster)),
        ("DELETE", dep, partial(kube_apps.delete_deployment, cluster)),
        ("GET", f"{dep}/scale", partial(kube_apps.get_scale, cluster)),
        ("PATCH", f"{dep}/scale", partial(kube_apps.patch_scale, cluster)),
        ("PUT", f"{dep}/scale", partial(kube_apps.replace_scale, cluster)),
        ("GET", f"{APPS}(?:{NS})?/replicasets", lister("replicasets", "ReplicaSet", "apps/v1")),
        ("GET", f"{APPS}{NS}/replicasets{NAME}", getter("replicasets", "apps")),
    )


def _trivy(cluster: Cluster, handler: Callable[[Request], Response]) -> Callable[[Request], Response]:
    """Serve the reports only while the Trivy Operator's CRD is installed."""

    def handle(req: Request) -> Response:
        with cluster.lock:
            installed = cluster.trivy_installed
        return handler(req) if installed else no_such_resource(req)

    return handle


def no_such_resource(req: Request) -> Response:
    return failure(404, "NotFound", "the server could not find the requested resource")


def _catch_all() -> tuple[Route, ...]:
    return tuple((method, r"/.*", no_such_resource) for method in ("GET", "POST", "PUT", "PATCH", "DELETE"))
