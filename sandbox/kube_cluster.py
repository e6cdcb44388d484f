"""The Kubernetes stand-in's in-memory cluster: objects by resource and (namespace, name), one resource
version counter across all of them with a bounded history of changes for watches, and each pod's
life (see `kube_pods`) from which its status is drawn. Every method expects the caller to hold
`cluster.lock`.
"""

from __future__ import annotations

import copy
import random
import threading
import time
from dataclasses import dataclass
from typing import Callable

from sandbox import kube_kubelet, kube_nodes, kube_pods
from sandbox.kube_history import History
from sandbox.kube_objects import HASH_ALPHABET, matches, pod
from sandbox.kube_pods import PodLife

RESOURCES = (
    "namespaces",
    "nodes",
    "services",
    "deployments",
    "replicasets",
    "pods",
    "events",
    "configmaps",
    "vulnerabilityreports",
)
Key = tuple[str, str]


@dataclass
class Breakage:
    """A deployment the sandbox broke on request, and the template to put back when fixing it."""

    mode: str
    template: dict


def key_of(obj: dict) -> Key:
    return obj["metadata"].get("namespace", ""), obj["metadata"]["name"]


def image_tag(image: str) -> str:
    return image.rsplit("/", 1)[-1].partition(":")[2]


def bad_image(image: str) -> bool:
    return "bad" in image_tag(image) or "crash" in image_tag(image)


def missing_image(image: str) -> bool:
    return any(word in image_tag(image) for word in ("nonexistent", "missing", "does-not-exist"))


def image_problem(images: list[str]) -> str | None:
    if any(map(missing_image, images)):
        return "imagepull"
    return "crashloop" if any(map(bad_image, images)) else None


class Cluster:
    def __init__(self, ready_steps: int = 5, clock: Callable[[], float] = time.time):
        self.ready_steps = ready_steps
        self.clock = clock
        self.lock = threading.RLock()
        self.history = History(self.lock)
        self.store: dict[str, dict[Key, dict]] = {resource: {} for resource in RESOURCES}
        self.logs: dict[Key, list[tuple[float, str]]] = {}
        self.previous_logs: dict[Key, list[tuple[float, str]]] = {}  # the last instance that died
        self.node_usage: dict[str, dict[str, str]] = {}
        self.pod_usage: dict[Key, dict[str, str]] = {}
        self.life: dict[Key, PodLife] = {}
        self.rollouts: dict[Key, object] = {}  # the controller's memory, see kube_controller.Rollout
        self.broken: dict[Key, Breakage] = {}  # deployments broken through /_sandbox/
        self.departed: dict[str, dict] = {}  # nodes removed through /_sandbox/, to restore
        self.trivy_installed = True  # whether the VulnerabilityReport CRD exists
        self.event_serial = 0
        self.version = 0
        self.rand = random.Random(42)

    def put(self, resource: str, obj: dict) -> dict:
        change = "MODIFIED" if key_of(obj) in self.store[resource] else "ADDED"
        self.store[resource][key_of(obj)] = obj
        self._changed(change, resource, obj)
        return obj

    def get(self, resource: str, namespace: str, name: str) -> dict | None:
        return self.store[resource].get((namespace, name))

    def items(self, resource: str, namespace: str | None = None, selector: str | None = None) -> list[dict]:
        found = [
            obj
            for (ns, _), obj in sorted(self.store[resource].items())
            if namespace is None or ns == namespace
        ]
        return [obj for obj in found if matches(obj["metadata"].get("labels") or {}, selector)]

    def remove(self, resource: str, namespace: str, name: str) -> dict | None:
        obj = self.store[resource].pop((namespace, name), None)
        if resource == "pods":
            self.life.pop((namespace, name), None)
            self.previous_logs.pop((namespace, name), None)
        if obj is None:
            self.version += 1
        else:
            self._changed("DELETED", resource, obj)
        return obj

    def delete_pod(self, namespace: str, name: str) -> dict | None:
        """Delete a pod; a StatefulSet's pod comes back under the same name, as it would."""
        found = self.remove("pods", namespace, name)
        owners = (found or {}).get("metadata", {}).get("ownerReferences") or []
        if any(ref["kind"] == "StatefulSet" for ref in owners):
            template = {"metadata": {"labels": found["metadata"].get("labels", {})}, "spec": found["spec"]}
            self.spawn_pod(name, namespace, template, owners)
        return found

    def snapshot(self, obj: dict) -> dict:
        """A copy to serialise outside the lock while the controller keeps changing the original."""
        return copy.deepcopy(obj)

    def spawn_pod(
        self,
        name: str,
        namespace: str,
        template: dict,
        owners: list[dict],
        ready: bool = False,
        problem: str | None = None,
    ) -> dict:
        now = self.clock()
        obj = pod(name, namespace, template, now, owners)
        node, why = kube_nodes.place(self, obj)
        if node:
            obj["spec"]["nodeName"] = node
        images = [c["image"] for c in obj["spec"]["containers"]]
        self.life[(namespace, name)] = PodLife(
            ticks=self.ready_steps if ready else 0,
            started=now,
            problem=image_problem(images) or problem,
            unschedulable=why,
            run_since=now,
        )
        self.logs[(namespace, name)] = []
        self.render_pod(obj, quiet=True)
        self.put("pods", obj)
        kube_kubelet.act(self, obj)
        self.render_pod(obj)
        return obj

    def random_suffix(self, length: int = 5) -> str:
        return "".join(self.rand.choice(HASH_ALPHABET) for _ in range(length))

    def age_pods(self) -> None:
        for key in list(self.life):
            obj = self.store["pods"][key]
            kube_kubelet.advance(self, obj)
            self.render_pod(obj)

    def render_pod(self, obj: dict, quiet: bool = False) -> None:
        """Draw the pod's status from its life; a change is a new resource version (unless `quiet`:
        the pod is not stored yet)."""
        life = self.life[key_of(obj)]
        node_name = obj["spec"].get("nodeName")
        node = self.get("nodes", "", node_name) if node_name else None
        started = life.ticks >= self.ready_steps
        status = kube_pods.status(obj, life, started, kube_nodes.ready(node), self.clock())
        if status != obj["status"]:
            obj["status"] = status
            if not quiet:
                self._changed("MODIFIED", "pods", obj)

    def _changed(self, change: str, resource: str, obj: dict) -> None:
        self.version += 1
        obj["metadata"]["resourceVersion"] = str(self.version)
        self.history.record(change, resource, obj, self.version)
