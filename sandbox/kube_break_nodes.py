"""Test-only `/_sandbox/nodes/...` handlers: a node goes NotReady or comes under memory or disk
pressure (conditions, taints, and the kubelet and node-controller Events), a (GPU) node leaves the
cluster (deleted; its pods are garbage-collected and replaced elsewhere, if anything fits) and joins
again, and a node is healed. Routes are listed in `kube_api`.
"""

from __future__ import annotations

import copy
import uuid

from sandbox import kube_events, kube_nodes
from sandbox.httpstub import Request, Response
from sandbox.kube_cluster import Cluster
from sandbox.kube_objects import not_found, set_node_ready, stamp

OK = Response(body={"ok": True})
PRESSURE = {  # body key -> condition, (event when it starts, when it ends), what kubelet reclaims
    "memory": ("MemoryPressure", ("NodeHasInsufficientMemory", "NodeHasSufficientMemory"), "memory"),
    "disk": ("DiskPressure", ("NodeHasDiskPressure", "NodeHasNoDiskPressure"), "ephemeral-storage"),
}


def set_readiness(cluster: Cluster, req: Request) -> Response:
    """`{"ready": false}`: the kubelet stops reporting (conditions Unknown, pods not ready)."""
    with cluster.lock:
        node = cluster.get("nodes", "", req.params["name"])
        if node is None:
            return not_found("nodes", "", req.params["name"])
        _set_ready(cluster, node, bool((req.json() or {}).get("ready", True)))
        return OK


def set_pressure(cluster: Cluster, req: Request) -> Response:
    """`{"memory": true, "disk": false}`: set MemoryPressure and/or DiskPressure."""
    with cluster.lock:
        node = cluster.get("nodes", "", req.params["name"])
        if node is None:
            return not_found("nodes", "", req.params["name"])
        for key, value in (req.json() or {}).items():
            if key in PRESSURE:
                _set_pressure(cluster, node, key, bool(value))
        return OK


def remove_node(cluster: Cluster, req: Request) -> Response:
    name = req.params["name"]
    with cluster.lock:
        node = cluster.get("nodes", "", name)
        if node is None:
            return not_found("nodes", "", name)
        message = f"Node {name} event: Removing Node {name} from Controller"
        kube_events.record(cluster, node, "Normal", "RemovingNode", message, "node-controller")
        cluster.departed[name] = cluster.remove("nodes", "", name)
        for pod in [p for p in cluster.items("pods") if p["spec"].get("nodeName") == name]:
            cluster.delete_pod(pod["metadata"]["namespace"], pod["metadata"]["name"])  # pod GC
        return OK


def restore_node(cluster: Cluster, req: Request) -> Response:
    """A node removed through `/remove` joins again: a new Node object, Ready."""
    name = req.params["name"]
    with cluster.lock:
        gone = cluster.departed.pop(name, None)
        if gone is None:
            return not_found("nodes", "", name)
        node = copy.deepcopy(gone)
        now = cluster.clock()
        node["metadata"].update(uid=str(uuid.uuid4()), creationTimestamp=stamp(now))
        node["spec"].pop("taints", None)
        set_node_ready(node, True, now)
        cluster.put("nodes", node)
        message = f"Node {name} event: Registered Node {name} in Controller"
        kube_events.record(cluster, node, "Normal", "RegisteredNode", message, "node-controller")
        return OK


def fix_node(cluster: Cluster, req: Request) -> Response:
    """Ready again and under no pressure."""
    with cluster.lock:
        node = cluster.get("nodes", "", req.params["name"])
        if node is None:
            return not_found("nodes", "", req.params["name"])
        _set_ready(cluster, node, True)
        for key in PRESSURE:
            _set_pressure(cluster, node, key, False)
        return OK


def _set_ready(cluster: Cluster, node: dict, ready: bool) -> None:
    name = node["metadata"]["name"]
    if not kube_nodes.set_condition(node, "Ready", not ready, cluster.clock()):
        return
    cluster.put("nodes", node)
    status = "NodeReady" if ready else "NodeNotReady"
    component = "kubelet" if ready else "node-controller"
    kube_events.record(cluster, node, "Normal", status, f"Node {name} status is now: {status}", component)
    for pod in [p for p in cluster.items("pods") if p["spec"].get("nodeName") == name]:
        if not ready:
            kube_events.record(
                cluster, pod, "Warning", "NodeNotReady", "Node is not ready", "node-controller"
            )
        cluster.render_pod(pod)


def _set_pressure(cluster: Cluster, node: dict, key: str, troubled: bool) -> None:
    condition, (starts, ends), resource = PRESSURE[key]
    name = node["metadata"]["name"]
    if not kube_nodes.set_condition(node, condition, troubled, cluster.clock()):
        return
    cluster.put("nodes", node)
    status = starts if troubled else ends
    message = f"Node {name} status is now: {status}"
    kube_events.record(cluster, node, "Normal", status, message, "kubelet", name)
    if troubled:
        reclaim = f"Attempting to reclaim {resource}"
        kube_events.record(cluster, node, "Warning", "EvictionThresholdMet", reclaim, "kubelet", name)
