"""Read handlers of the Kubernetes stand-in: generic list/get for any stored resource, pod delete
and logs (core/v1), and the metrics.k8s.io/v1beta1 node and pod metrics as metrics-server serves them.
"""

from __future__ import annotations

from typing import Callable

from sandbox import kube_logs
from sandbox.httpstub import Request, Response
from sandbox.kube_cluster import Cluster
from sandbox.kube_objects import failure, listing, not_found, stamp
from sandbox.kube_seed import POD_USAGE

Handler = Callable[[Request], Response]
METRICS = "metrics.k8s.io/v1beta1"


def lister(cluster: Cluster, resource: str, kind: str, api_version: str) -> Handler:
    def handle(req: Request) -> Response:
        with cluster.lock:
            found = cluster.items(resource, req.params.get("ns"), req.arg("labelSelector"))
            return listing(f"{kind}List", api_version, [cluster.snapshot(o) for o in found], cluster.version)

    return handle


def getter(cluster: Cluster, resource: str, group: str) -> Handler:
    def handle(req: Request) -> Response:
        with cluster.lock:
            obj = cluster.get(resource, req.params.get("ns", ""), req.params["name"])
            return (
                Response(body=cluster.snapshot(obj))
                if obj
                else not_found(resource, group, req.params["name"])
            )

    return handle


def delete_pod(cluster: Cluster, req: Request) -> Response:
    """Deletes the pod; a StatefulSet's pod comes back under the same name, as it would."""
    namespace, name = req.params["ns"], req.params["name"]
    with cluster.lock:
        pod = cluster.remove("pods", namespace, name)
        if pod is None:
            return not_found("pods", "", name)
        owners = pod["metadata"].get("ownerReferences") or []
        if any(ref["kind"] == "StatefulSet" for ref in owners):
            template = {"metadata": {"labels": pod["metadata"].get("labels", {})}, "spec": pod["spec"]}
            cluster.spawn_pod(name, namespace, template, owners)
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
        if pod["status"].get("phase") == "Pending":
            return failure(
                400,
                "BadRequest",
                f'container "{container}" in pod "{name}" is waiting to start: ContainerCreating',
            )
        text = kube_logs.select(
            cluster.logs.get((namespace, name), []),
            cluster.clock(),
            req.arg("sinceSeconds"),
            req.arg("tailLines"),
        )
        return Response(body=text, content_type="text/plain")


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
