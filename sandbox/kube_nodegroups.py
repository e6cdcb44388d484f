"""Test-only `/_sandbox/nodegroups/{group}/size` of the Kubernetes stand-in: the nodes of an EKS node
group (label `eks.amazonaws.com/nodegroup`) brought to a count, as EKS' autoscaling group does: new
instances register as Ready nodes (one that left the group earlier comes back under its own name, else
a clone of a member: same labels, capacity, `node-group=<short>`), and a shrink removes the nodes running
the fewest pods, newest first, their pods deleted and replaced.
The EKS bridge (sandbox/eks_bridge.py) calls it when moto's desired size changes. Route in `kube_api`.
"""

from __future__ import annotations

import copy
import uuid
from datetime import datetime

from sandbox import kube_events
from sandbox.httpstub import Request, Response
from sandbox.kube_cluster import Cluster
from sandbox.kube_objects import set_node_ready, stamp

LABEL = "eks.amazonaws.com/nodegroup"


def set_size(cluster: Cluster, req: Request) -> Response:
    """`{"size": N}`: add or remove nodes of the group until it has N; answers the names changed."""
    group, size = req.params["group"], int((req.json() or {}).get("size", -1))
    if size < 0:
        return Response(400, {"error": 'body must be {"size": N} with N >= 0'})
    with cluster.lock:
        members = [n for n in cluster.items("nodes") if n["metadata"]["labels"].get(LABEL) == group]
        template = members[0] if members else _departed(cluster, group)
        if template is None and size > len(members):
            return Response(409, {"error": f"node group {group} has no node to clone"})
        added = [_join(cluster, template) for _ in range(size - len(members))]
        removed = [
            _leave(cluster, node) for node in _emptiest(cluster, members)[: max(len(members) - size, 0)]
        ]
        return Response(body={"added": added, "removed": removed})


def _departed(cluster: Cluster, group: str) -> dict | None:
    return next((n for n in cluster.departed.values() if n["metadata"]["labels"].get(LABEL) == group), None)


def _join(cluster: Cluster, template: dict) -> str:
    """A new instance registers, Ready and untainted: a node of the group that left before comes back
    under its name (so a sandbox scaled down and up again looks as seeded), else a copy of `template`
    under a free ip-10-0-… name."""
    group = template["metadata"]["labels"].get(LABEL)
    gone = next(
        (n for n, node in cluster.departed.items() if node["metadata"]["labels"].get(LABEL) == group), None
    )
    node, now = copy.deepcopy(cluster.departed.pop(gone) if gone else template), cluster.clock()
    name = gone or _free_name(cluster)
    node["metadata"].update(name=name, uid=str(uuid.uuid4()), creationTimestamp=stamp(now))
    node["metadata"]["labels"]["kubernetes.io/hostname"] = name
    node["metadata"].pop("resourceVersion", None)
    node["spec"].pop("taints", None)
    node["spec"].pop("unschedulable", None)
    if not gone:
        ip = "10.0.1." + name.split("-")[-1].split(".")[0]
        node["spec"]["providerID"] = f"aws:///us-east-1a/i-{uuid.uuid4().hex[:17]}"
        node["status"]["addresses"] = [
            {"type": "InternalIP", "address": ip},
            {"type": "Hostname", "address": name},
        ]
    set_node_ready(node, True, now)
    cluster.put("nodes", node)
    message = f"Node {name} event: Registered Node {name} in Controller"
    kube_events.record(cluster, node, "Normal", "RegisteredNode", message, "node-controller")
    return name


def _free_name(cluster: Cluster) -> str:
    taken = {n["metadata"]["name"] for n in cluster.items("nodes")} | set(cluster.departed)
    return next(
        f"ip-10-0-1-{i}.ec2.internal" for i in range(100, 255) if f"ip-10-0-1-{i}.ec2.internal" not in taken
    )


def _emptiest(cluster: Cluster, members: list[dict]) -> list[dict]:
    """Members in the order an autoscaling group would let them go: fewest pods, then newest."""
    pods = [p["spec"].get("nodeName") for p in cluster.items("pods")]
    return sorted(
        members, key=lambda n: (pods.count(n["metadata"]["name"]), -_created(n), n["metadata"]["name"])
    )


def _created(node: dict) -> float:
    return datetime.fromisoformat(node["metadata"]["creationTimestamp"].replace("Z", "+00:00")).timestamp()


def _leave(cluster: Cluster, node: dict) -> str:
    """The instance terminates: the node is deleted and its pods garbage-collected (then replaced)."""
    name = node["metadata"]["name"]
    message = f"Node {name} event: Removing Node {name} from Controller"
    kube_events.record(cluster, node, "Normal", "RemovingNode", message, "node-controller")
    cluster.departed[name] = cluster.remove("nodes", "", name)  # a later scale-up brings it back
    for pod in [p for p in cluster.items("pods") if p["spec"].get("nodeName") == name]:
        cluster.delete_pod(pod["metadata"]["namespace"], pod["metadata"]["name"])
    return name
