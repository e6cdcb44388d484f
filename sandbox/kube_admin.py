"""Test-only `/_sandbox/` handlers of the Kubernetes stand-in for everything but breaking things
(see `kube_break`): log lines, metrics, fast-forward, history compaction, closing watches, and
whether the Trivy Operator's CRD is installed. The routes are listed in `kube_api`.
"""

from __future__ import annotations

from sandbox.httpstub import Request, Response
from sandbox.kube_cluster import Cluster
from sandbox.kube_controller import settle
from sandbox.kube_objects import not_found

OK = Response(body={"ok": True})


def add_log_lines(cluster: Cluster, req: Request) -> Response:
    key = (req.params["ns"], req.params["name"])
    with cluster.lock:
        if key not in cluster.life:
            return not_found("pods", "", req.params["name"])
        now = cluster.clock()
        cluster.logs.setdefault(key, []).extend((now, line) for line in (req.json() or {}).get("lines", []))
        return OK


def set_node_usage(cluster: Cluster, req: Request) -> Response:
    with cluster.lock:
        if cluster.get("nodes", "", req.params["name"]) is None:
            return not_found("nodes", "", req.params["name"])
        cluster.node_usage[req.params["name"]] = _usage(req)
        return OK


def set_pod_usage(cluster: Cluster, req: Request) -> Response:
    key = (req.params["ns"], req.params["name"])
    with cluster.lock:
        if key not in cluster.life:
            return not_found("pods", "", req.params["name"])
        cluster.pod_usage[key] = _usage(req)
        return OK


def fast_forward(cluster: Cluster, req: Request) -> Response:
    settle(cluster)
    return OK


def compact(cluster: Cluster, req: Request) -> Response:
    """Forget the change history up to now: watching from an older resourceVersion answers 410 Gone."""
    with cluster.lock:
        cluster.history.compact(cluster.version)
        return Response(body={"ok": True, "compacted": str(cluster.version)})


def close_watches(cluster: Cluster, req: Request) -> Response:
    """End every open watch stream, as an API server restart or a dropped connection does."""
    with cluster.lock:
        cluster.history.close_watches()
        return OK


def set_trivy(cluster: Cluster, req: Request) -> Response:
    with cluster.lock:
        cluster.trivy_installed = bool((req.json() or {}).get("installed", True))
        return OK


def _usage(req: Request) -> dict[str, str]:
    body = req.json() or {}
    return {"cpu": str(body.get("cpu", "0")), "memory": str(body.get("memory", "0"))}
