"""Test-only `/_sandbox/` handlers of the Kubernetes stand-in: break or heal a pod, add log lines,
take a node down, set metrics, fast-forward rollouts. The routes are listed in `kube_api`.
"""

from __future__ import annotations

from sandbox.httpstub import Request, Response
from sandbox.kube_cluster import Cluster
from sandbox.kube_controller import settle
from sandbox.kube_objects import not_found, set_node_ready

OK = Response(body={"ok": True})


def crash_pod(cluster: Cluster, req: Request) -> Response:
    return _set_crashing(cluster, req, True)


def heal_pod(cluster: Cluster, req: Request) -> Response:
    return _set_crashing(cluster, req, False)


def add_log_lines(cluster: Cluster, req: Request) -> Response:
    key = (req.params["ns"], req.params["name"])
    with cluster.lock:
        if key not in cluster.life:
            return not_found("pods", "", req.params["name"])
        now = cluster.clock()
        cluster.logs.setdefault(key, []).extend((now, line) for line in (req.json() or {}).get("lines", []))
        return OK


def set_node_readiness(cluster: Cluster, req: Request) -> Response:
    with cluster.lock:
        node = cluster.get("nodes", "", req.params["name"])
        if node is None:
            return not_found("nodes", "", req.params["name"])
        set_node_ready(node, bool((req.json() or {}).get("ready", True)), cluster.clock())
        cluster.put("nodes", node)
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


def _usage(req: Request) -> dict[str, str]:
    body = req.json() or {}
    return {"cpu": str(body.get("cpu", "0")), "memory": str(body.get("memory", "0"))}


def _set_crashing(cluster: Cluster, req: Request, crashing: bool) -> Response:
    key = (req.params["ns"], req.params["name"])
    with cluster.lock:
        life = cluster.life.get(key)
        if life is None:
            return not_found("pods", "", req.params["name"])
        life.crashing = crashing
        life.ticks = max(life.ticks, cluster.ready_steps)
        cluster.render_pod(cluster.store["pods"][key])
        return OK
