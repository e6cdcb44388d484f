"""Read handlers of the Kubernetes stand-in: generic list/get for any stored resource (label and field
selectors, an optional view such as events.k8s.io's shape of Events), pod delete and logs (core/v1,
current or previous container), and metrics.k8s.io/v1beta1 node and pod metrics as metrics-server
serves them.
"""

from __future__ import annotations

from typing import Callable

from sandbox import kube_logs
from sandbox.httpstub import Request, Response
from sandbox.kube_cluster import Cluster
from sandbox.kube_objects import failure, listing, not_found, stamp
from sandbox.kube_seed import POD_USAGE
from sandbox.kube_select import field_matches, truthy

Handler = Callable[[Request], Response]
View = Callable[[dict], dict]
METRICS = "metrics.k8s.io/v1beta1"


def lister(
    cluster: Cluster,
    resource: str,
    kind: str,
    api_version: str,
    view: View = lambda obj: obj,
    rename: Callable[[str], str] = str,
) -> Handler:
    def handle(req: Request) -> Response:
        with cluster.lock:
            found = [
                view(cluster.snapshot(obj))
                for obj in cluster.items(resource, req.params.get("ns"), req.arg("labelSelector"))
                if field_matches(obj, req.arg("fieldSelector"), rename)
            ]
            return listing(f"{kind}List", api_version, found, cluster.version)

    return handle


def getter(cluster: Cluster, resource: str, group: str, view: View = lambda obj: obj) -> Handler:
    def handle(req: Request) -> Response:
        with cluster.lock:
            obj = cluster.get(resource, req.params.get("ns", ""), req.params["name"])
            if obj is None:
                return not_found(resource, group, req.params["name"])
            return Response(body=view(cluster.snapshot(obj)))

    return handle


def delete_pod(cluster: Cluster, req: Request) -> Response:
    namespace, name = req.params["ns"], req.params["name"]
    with cluster.lock:
        pod = cluster.delete_pod(namespace, name)
        if pod is None:
            return not_found("pods", "", name)
        pod["metadata"]["deletionTimestamp"] = stamp(cluster.clock())
        return Response(body=pod)


def pod_log(cluster: Cluster, req: Request) -> Response:
    namespace, name = req.params["ns"], req.params["name"]
    with cluster.lock:
        pod = cluster.get("pods", namespace, name)
        if pod is None:
            return not_found("pods", "", name)
        containers = [c["name"] for c in pod["spec"]["containers"]]
        container = req.arg("container") or containers[0]
        if container not in containers:
            return failure(400, "BadRequest", f"container {container} is not valid for pod {name}")
        previous = truthy(req.arg("previous"))
        lines = (cluster.previous_logs if previous else cluster.logs).get((namespace, name))
        if previous and lines is None:
            return failure(
                400, "BadRequest", f'previous terminated container "{container}" in pod "{name}" not found'
            )
        if pod["status"].get("phase") == "Pending" and not previous:
            waiting = _waiting_reason(pod)
            return failure(
                400, "BadRequest", f'container "{container}" in pod "{name}" is waiting to start: {waiting}'
            )
        text = kube_logs.select(
            lines or [],
            cluster.clock(),
            req.arg("sinceSeconds"),
            req.arg("tailLines"),
        )
        return Response(body=text, content_type="text/plain")


def _waiting_reason(pod: dict) -> str:
    for status in pod["status"].get("containerStatuses") or []:
        waiting = (status.get("state") or {}).get("waiting")
        if waiting:
            return waiting.get("reason", "ContainerCreating")
    return "ContainerCreating"


def node_metrics(cluster: Cluster, req: Request) -> Response:
    with cluster.lock:
        nodes = [n for n in cluster.items("nodes") if req.params.get("name") in (None, n["metadata"]["name"])]
        if req.params.get("name") and not nodes:
            return not_found("nodes", "metrics.k8s.io", req.params["name"])
        items = [_node_metric(cluster, n) for n in nodes]
        return _metrics_answer(req, "NodeMetrics", items)


def pod_metrics(cluster: Cluster, req: Request) -> Response:
    with cluster.lock:
        pods = [
            p
            for p in cluster.items("pods", req.params.get("ns"), req.arg("labelSelector"))
            if p["status"].get("phase") == "Running"
            and req.params.get("name") in (None, p["metadata"]["name"])
        ]
        if req.params.get("name") and not pods:
            return not_found("pods", "metrics.k8s.io", req.params["name"])
        items = [_pod_metric(cluster, p) for p in pods]
        return _metrics_answer(req, "PodMetrics", items)


def _metrics_answer(req: Request, kind: str, items: list[dict]) -> Response:
    if req.params.get("name"):
        return Response(body={"kind": kind, "apiVersion": METRICS, **items[0]})
    return Response(body={"kind": f"{kind}List", "apiVersion": METRICS, "metadata": {}, "items": items})


def _node_metric(cluster: Cluster, node: dict) -> dict:
    name = node["metadata"]["name"]
    usage = cluster.node_usage.get(name, {"cpu": "250m", "memory": "1048576Ki"})
    return {
        "metadata": {
            "name": name,
            "creationTimestamp": stamp(cluster.clock()),
            "labels": dict(node["metadata"].get("labels", {})),
        },
        "timestamp": stamp(cluster.clock() - 7),
        "window": "10.062s",
        "usage": dict(usage),
    }


def _pod_metric(cluster: Cluster, pod: dict) -> dict:
    meta = pod["metadata"]
    cpu, memory = POD_USAGE.get(meta.get("labels", {}).get("app", ""), ("50m", "128Mi"))
    usage = cluster.pod_usage.get((meta["namespace"], meta["name"]), {"cpu": cpu, "memory": memory})
    containers = [{"name": c["name"], "usage": dict(usage)} for c in pod["spec"]["containers"]]
    return {
        "metadata": {
            "name": meta["name"],
            "namespace": meta["namespace"],
            "creationTimestamp": stamp(cluster.clock()),
            "labels": dict(meta.get("labels", {})),
        },
        "timestamp": stamp(cluster.clock() - 9),
        "window": "15.008s",
        "containers": containers,
    }
