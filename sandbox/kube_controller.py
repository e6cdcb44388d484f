"""The stand-in's deployment controller: one ReplicaSet per pod-template revision, rolling updates
with maxSurge 1 / maxUnavailable 0, and honest Deployment status (replica counts, Available and
Progressing conditions, ProgressDeadlineExceeded). `tick` runs once per step under the cluster lock.
"""

from __future__ import annotations

from dataclasses import dataclass

from sandbox import kube_events
from sandbox.kube_cluster import Cluster
from sandbox.kube_objects import REVISION, owned_by, owner_ref, replicaset, stamp, template_hash

COMPLETE = "NewReplicaSetAvailable"


def tick(cluster: Cluster) -> None:
    with cluster.lock:
        cluster.age_pods()
        for dep in list(cluster.store["deployments"].values()):
            reconcile(cluster, dep)
        kube_events.expire(cluster)


def settle(cluster: Cluster, rounds: int = 50) -> None:
    """Fast-forward: make every healthy pod ready and tick until rollouts finish (or `rounds` pass)."""
    for _ in range(rounds):
        with cluster.lock:
            for life in cluster.life.values():
                life.ticks = max(life.ticks, cluster.ready_steps)
        tick(cluster)
        with cluster.lock:
            if all(_progress_reason(d) == COMPLETE for d in cluster.store["deployments"].values()):
                return


@dataclass
class Rollout:
    """What the controller remembers about a deployment between ticks (never served)."""

    signature: tuple = ()
    since: float = 0.0
    completed_rs: str | None = None


def reconcile(cluster: Cluster, dep: dict) -> None:
    current = current_replicaset(cluster, dep)
    sets = [rs for rs in cluster.items("replicasets", dep["metadata"]["namespace"]) if owned_by(rs, dep)]
    pods = {rs["metadata"]["uid"]: _active_pods(cluster, rs) for rs in sets}
    new = pods[current["metadata"]["uid"]]
    old = [p for rs in sets if rs is not current for p in pods[rs["metadata"]["uid"]]]
    new, old = roll(cluster, current, new, old, dep["spec"]["replicas"])
    for rs in sets:
        update_replicaset(cluster, dep, rs, _active_pods(cluster, rs))
    update_status(cluster, dep, current, new, old)


def _active_pods(cluster: Cluster, rs: dict) -> list[dict]:
    """The ReplicaSet's pods that count: an evicted (Failed) pod stays listed but is replaced."""
    return [
        p
        for p in cluster.items("pods", rs["metadata"]["namespace"])
        if owned_by(p, rs) and p["status"].get("phase") not in ("Failed", "Succeeded")
    ]


def current_replicaset(cluster: Cluster, dep: dict) -> dict:
    """The ReplicaSet for the deployment's template; creating it (or reviving an old one, as a
    rollback does) makes it the newest revision."""
    namespace, name = dep["metadata"]["namespace"], dep["metadata"]["name"]
    pod_hash = template_hash(dep["spec"]["template"])
    sets = [rs for rs in cluster.items("replicasets", namespace) if owned_by(rs, dep)]
    top = max((int(rs["metadata"]["annotations"][REVISION]) for rs in sets), default=0)
    current = cluster.get("replicasets", namespace, f"{name}-{pod_hash}")
    if current is None:
        current = cluster.put("replicasets", replicaset(dep, pod_hash, top + 1, cluster.clock()))
    elif int(current["metadata"]["annotations"][REVISION]) < top:
        current["metadata"]["annotations"][REVISION] = str(top + 1)
        cluster.put("replicasets", current)
    revision = current["metadata"]["annotations"][REVISION]
    if dep["metadata"]["annotations"].get(REVISION) != revision:
        dep["metadata"]["annotations"][REVISION] = revision
        cluster.put("deployments", dep)
    return current


def roll(
    cluster: Cluster, current: dict, new: list[dict], old: list[dict], desired: int
) -> tuple[list, list]:
    """One step of a rolling update: surge one new pod, retire an old one only while enough are ready."""
    for stale in [p for p in old if not _pod_ready(p)]:
        _delete(cluster, stale)
    old = [p for p in old if _pod_ready(p)]
    unready_first = sorted(new, key=lambda p: (_pod_ready(p), p["metadata"]["creationTimestamp"]))
    surplus = unready_first[: max(0, len(new) - desired)]
    for extra in surplus:
        _delete(cluster, extra)
    new = [p for p in new if p not in surplus]
    limit = desired + (1 if old else 0)
    while len(new) < desired and len(new) + len(old) < limit:
        new.append(_spawn(cluster, current))
    ready = sum(map(_pod_ready, new + old))
    while old and ready > desired:
        _delete(cluster, old.pop())
        ready -= 1
    return new, old


def update_replicaset(cluster: Cluster, dep: dict, rs: dict, pods: list[dict]) -> None:
    ready = sum(map(_pod_ready, pods))
    status = {
        "replicas": len(pods),
        "fullyLabeledReplicas": len(pods),
        "readyReplicas": ready,
        "availableReplicas": ready,
        "observedGeneration": 1,
    }
    status = {k: v for k, v in status.items() if v or k == "replicas"}
    before = rs["spec"]["replicas"]
    if before != len(pods) or rs["status"] != status:
        rs["spec"]["replicas"], rs["status"] = len(pods), status
        cluster.put("replicasets", rs)
    if before != len(pods):
        way = "up" if len(pods) > before else "down"
        message = f"Scaled {way} replica set {rs['metadata']['name']} to {len(pods)} from {before}"
        kube_events.record(cluster, dep, "Normal", "ScalingReplicaSet", message, "deployment-controller")


def update_status(cluster: Cluster, dep: dict, current: dict, new: list, old: list) -> None:
    now, desired = cluster.clock(), dep["spec"]["replicas"]
    ready_new, ready = sum(map(_pod_ready, new)), sum(map(_pod_ready, new + old))
    rollout = cluster.rollouts.setdefault((dep["metadata"]["namespace"], dep["metadata"]["name"]), Rollout())
    signature = (current["metadata"]["name"], len(new), ready_new, len(old), desired)
    if rollout.signature != signature:
        rollout.signature, rollout.since = signature, now
    counts = {
        "replicas": len(new) + len(old),
        "updatedReplicas": len(new),
        "readyReplicas": ready,
        "availableReplicas": ready,
        "unavailableReplicas": max(0, desired - ready),
    }
    status = {"observedGeneration": dep["metadata"]["generation"], **{k: v for k, v in counts.items() if v}}
    previous = dep["status"].get("conditions", [])
    status["conditions"] = [
        _available(previous, ready >= desired, now),
        _progressing(dep, current, rollout, len(new) == desired == ready_new and not old, bool(old), now),
    ]
    if status != dep["status"]:
        dep["status"] = status
        cluster.put("deployments", dep)


def _available(previous: list[dict], ok: bool, now: float) -> dict:
    if ok:
        return _condition(
            previous,
            "Available",
            True,
            "MinimumReplicasAvailable",
            "Deployment has minimum availability.",
            now,
        )
    return _condition(
        previous,
        "Available",
        False,
        "MinimumReplicasUnavailable",
        "Deployment does not have minimum availability.",
        now,
    )


def _progressing(
    dep: dict, current: dict, rollout: Rollout, complete: bool, has_old: bool, now: float
) -> dict:
    """As the real controller: once complete, a deployment stays complete until a new template
    or old pods appear; otherwise it times out after progressDeadlineSeconds without progress."""
    rs, previous = current["metadata"]["name"], dep["status"].get("conditions", [])
    if complete or (rollout.completed_rs == rs and not has_old):
        rollout.completed_rs = rs
        return _condition(
            previous, "Progressing", True, COMPLETE, f'ReplicaSet "{rs}" has successfully progressed.', now
        )
    if now - rollout.since > dep["spec"]["progressDeadlineSeconds"]:
        return _condition(
            previous,
            "Progressing",
            False,
            "ProgressDeadlineExceeded",
            f'ReplicaSet "{rs}" has timed out progressing.',
            now,
        )
    return _condition(
        previous, "Progressing", True, "ReplicaSetUpdated", f'ReplicaSet "{rs}" is progressing.', now
    )


def _condition(previous: list[dict], kind: str, ok: bool, reason: str, message: str, now: float) -> dict:
    status = "True" if ok else "False"
    prev = next((c for c in previous if c["type"] == kind), None)
    transition = prev["lastTransitionTime"] if prev and prev["status"] == status else stamp(now)
    update = (
        prev["lastUpdateTime"]
        if prev and prev["reason"] == reason and prev["status"] == status
        else stamp(now)
    )
    return {
        "type": kind,
        "status": status,
        "reason": reason,
        "message": message,
        "lastUpdateTime": update,
        "lastTransitionTime": transition,
    }


def _progress_reason(dep: dict) -> str | None:
    found = [c["reason"] for c in dep["status"].get("conditions", []) if c["type"] == "Progressing"]
    return found[0] if found else None


def _pod_ready(pod: dict) -> bool:
    return any(c["type"] == "Ready" and c["status"] == "True" for c in pod["status"].get("conditions", []))


def _spawn(cluster: Cluster, rs: dict) -> dict:
    namespace = rs["metadata"]["namespace"]
    name = f"{rs['metadata']['name']}-{cluster.random_suffix()}"
    owner = next(ref["name"] for ref in rs["metadata"]["ownerReferences"])
    broken = cluster.broken.get((namespace, owner))
    problem = broken.mode if broken and broken.mode in ("crashloop", "oom") else None
    return cluster.spawn_pod(name, namespace, rs["spec"]["template"], [owner_ref(rs)], problem=problem)


def _delete(cluster: Cluster, pod: dict) -> None:
    cluster.delete_pod(pod["metadata"]["namespace"], pod["metadata"]["name"])
