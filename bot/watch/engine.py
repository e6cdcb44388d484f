"""The watch engine's step: one watch event in (a pod, node or Warning event that changed, or a whole
relist), the problem rows and messages it moves out, together with the resourceVersion to resume
after it, as one Effects. A relist reconciles: problems still shown stay as they are (no new post),
problems no object shows any more are resolved, so a restarted bot never posts one twice."""

from __future__ import annotations

import json

from bot.state import Effects, Store
from bot.state import kube_problems as rows
from bot.state.kube_problems import KubeProblem
from bot.watch.ledger import Ledger
from bot.watch.problems import (
    NODE_REASONS,
    POD_REASONS,
    REASONS,
    event_detail,
    gpu_detail,
    is_gpu,
    node_problems,
    pod_problems,
    workload,
)
from integrations.kube_models import EventInfo, NodeInfo, PodInfo, WatchEvent

KEEP_RESOLVED_SECONDS = 7 * 86400
GPU_NODES = "gpu_nodes"
LEFT = "the node left the cluster"


def cursor(kind: str) -> str:
    """The watch_state row holding the resourceVersion a kind's watch resumes from."""
    return f"resource_version:{kind}"


class Problems:
    def __init__(self, store: Store, ledger: Ledger, gpu_label: str, clock):
        self._store, self._ledger, self._gpu_label, self._clock = store, ledger, gpu_label, clock

    def step(self, event: WatchEvent) -> Effects:
        """Everything one watch event changes; run inside `store.run_step`."""
        fx = self._changes(event)
        if event.resource_version and event.resource_version != self._store.watch_value(cursor(event.kind)):
            fx += Effects.of(rows.set_value(cursor(event.kind), event.resource_version))
        return fx

    def _changes(self, event: WatchEvent) -> Effects:
        if event.type == "BOOKMARK" or (event.kind == "Event" and event.type == "DELETED"):
            return Effects()
        if event.type == "RELISTED":
            relisted = {"Pod": self._pods_relisted, "Node": self._nodes_relisted, "Event": self._events}
            return relisted[event.kind](list(event.objects))
        if event.kind == "Pod":
            return self._pod(event.obj, gone=event.type == "DELETED")
        if event.kind == "Node":
            return self._node_left(event.obj) if event.type == "DELETED" else self._node(event.obj)
        return self._events([event.obj])

    # --- pods -----------------------------------------------------------------------------------
    def _pod(self, pod: PodInfo, gone: bool) -> Effects:
        """One pod changed: it joins or leaves each problem of its Deployment."""
        kind, name = workload(pod)
        found, fx = ({} if gone else pod_problems(pod)), Effects()
        for reason in POD_REASONS:
            row = self._store.kube_problem(kind, name, reason)
            members = dict(row.members) if row and row.state == "active" else {}
            if reason in found:
                members[pod.name] = pod.restarts
            elif pod.name not in members:
                continue
            else:
                del members[pod.name]
            fx += self._ledger.apply(
                kind, name, reason, members, found.get(reason, ""), REASONS[reason].gone, row
            )
        return fx

    def _pods_relisted(self, pods: list[PodInfo]) -> Effects:
        found: dict[tuple[str, str, str], dict[str, int]] = {}
        details: dict[tuple[str, str, str], str] = {}
        for pod in pods:
            for reason, detail in pod_problems(pod).items():
                key = (*workload(pod), reason)
                found.setdefault(key, {})[pod.name] = pod.restarts
                details.setdefault(key, detail)
        fx = Effects()
        for row in self._store.kube_problems():
            if row.kind != "Node" and (row.kind, row.name, row.reason) not in found:
                fx += self._ledger.resolve(row, REASONS[row.reason].gone)
        for key, members in found.items():
            fx += self._ledger.apply(*key, members, details[key], "", self._store.kube_problem(*key))
        return fx + Effects.of(rows.forget_resolved(self._clock.time() - KEEP_RESOLVED_SECONDS))

    # --- nodes ----------------------------------------------------------------------------------
    def _node(self, node: NodeInfo, track: bool = True) -> Effects:
        """A node added or changed: its conditions, and a GPU node that left is back."""
        found, fx = node_problems(node), Effects()
        for reason in NODE_REASONS:
            members = {node.name: 0} if reason in found else {}
            row = self._store.kube_problem("Node", node.name, reason)
            fx += self._ledger.apply(
                "Node", node.name, reason, members, found.get(reason, ""), REASONS[reason].gone, row
            )
        if is_gpu(node, self._gpu_label):
            left = self._store.kube_problem("Node", node.name, "GpuNodeLeft")
            fx += self._ledger.apply(
                "Node", node.name, "GpuNodeLeft", {}, "", REASONS["GpuNodeLeft"].gone, left
            )
            fx += self._gpu_nodes(self._known_gpu_nodes() | {node.name}) if track else Effects()
        return fx

    def _node_left(self, node: NodeInfo) -> Effects:
        fx = Effects()
        for reason in NODE_REASONS:
            row = self._store.kube_problem("Node", node.name, reason)
            fx += self._ledger.apply("Node", node.name, reason, {}, "", LEFT, row)
        if is_gpu(node, self._gpu_label):
            row = self._store.kube_problem("Node", node.name, "GpuNodeLeft")
            fx += self._ledger.apply(
                "Node", node.name, "GpuNodeLeft", {node.name: 0}, gpu_detail(node), "", row
            )
            fx += self._gpu_nodes(self._known_gpu_nodes() - {node.name})
        return fx

    def _nodes_relisted(self, nodes: list[NodeInfo]) -> Effects:
        listed = {n.name for n in nodes}
        fx = Effects()
        for node in nodes:
            fx += self._node(node, track=False)
        for row in self._store.kube_problems():
            if row.kind == "Node" and row.name not in listed and row.reason != "GpuNodeLeft":
                fx += self._ledger.resolve(row, LEFT)
        gpu = {n.name for n in nodes if is_gpu(n, self._gpu_label)}
        for name in sorted(self._known_gpu_nodes() - listed):
            row = self._store.kube_problem("Node", name, "GpuNodeLeft")
            detail = "A GPU node the bot knew is no longer in the cluster"
            fx += self._ledger.apply("Node", name, "GpuNodeLeft", {name: 0}, detail, "", row)
        return fx + self._gpu_nodes(gpu)

    def _known_gpu_nodes(self) -> set[str]:
        return set(json.loads(self._store.watch_value(GPU_NODES) or "[]"))

    def _gpu_nodes(self, names: set[str]) -> Effects:
        if names == self._known_gpu_nodes():
            return Effects()
        return Effects.of(rows.set_value(GPU_NODES, json.dumps(sorted(names))))

    # --- Warning events ---------------------------------------------------------------------------
    def _events(self, events: list[EventInfo]) -> Effects:
        """What Kubernetes said about a problem already shown: its newest word becomes the detail."""
        active = self._store.kube_problems()
        said: dict[tuple[str, str, str], str] = {}
        for event in sorted(events, key=lambda e: e.last_seen.timestamp() if e.last_seen else 0.0):
            found = event_detail(event)
            for row in active if found else []:
                if row.reason in found[0] and _about(row, event):
                    said[(row.kind, row.name, row.reason)] = found[1]
        fx = Effects()
        for row in active:
            if (row.kind, row.name, row.reason) in said:
                fx += self._ledger.explain(row, said[(row.kind, row.name, row.reason)])
        return fx


def _about(row: KubeProblem, event: EventInfo) -> bool:
    """The event is about one of the problem's pods (a pod's name is its own: no older namesake)."""
    return row.kind != "Node" and event.object_kind == "Pod" and event.object_name in row.members
