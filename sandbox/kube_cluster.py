"""The Kubernetes stand-in's in-memory cluster: objects by resource and (namespace, name), resource
versions, and each pod's life (age in controller ticks, crash-looping or not) from which its status is drawn.
Every method expects the caller to hold `cluster.lock`.
"""

from __future__ import annotations

import copy
import random
import threading
import time
from dataclasses import dataclass
from typing import Callable

from sandbox import kube_logs
from sandbox.kube_objects import HASH_ALPHABET, matches, pod, stamp

RESOURCES = ("namespaces", "nodes", "services", "deployments", "replicasets", "pods")
CRASH_EVERY = 4  # ticks between restarts of a crash-looping container
Key = tuple[str, str]


@dataclass
class PodLife:
    ticks: int
    crashing: bool
    started: float
    ready_since: float | None = None
    restarts: int = 0


def key_of(obj: dict) -> Key:
    return obj["metadata"].get("namespace", ""), obj["metadata"]["name"]


def bad_image(image: str) -> bool:
    tag = image.rsplit("/", 1)[-1].partition(":")[2]
    return "bad" in tag or "crash" in tag


class Cluster:
    def __init__(self, ready_steps: int = 5, clock: Callable[[], float] = time.time):
        self.ready_steps = ready_steps
        self.clock = clock
        self.lock = threading.RLock()
        self.store: dict[str, dict[Key, dict]] = {resource: {} for resource in RESOURCES}
        self.logs: dict[Key, list[tuple[float, str]]] = {}
        self.node_usage: dict[str, dict[str, str]] = {}
        self.pod_usage: dict[Key, dict[str, str]] = {}
        self.life: dict[Key, PodLife] = {}
        self.rollouts: dict[Key, object] = {}  # the controller's memory, see kube_controller.Rollout
        self.version = 0
        self.rand = random.Random(42)

    def put(self, resource: str, obj: dict) -> dict:
        self.version += 1
        obj["metadata"]["resourceVersion"] = str(self.version)
        self.store[resource][key_of(obj)] = obj
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
        self.version += 1
        if resource == "pods":
            self.life.pop((namespace, name), None)
        return self.store[resource].pop((namespace, name), None)

    def snapshot(self, obj: dict) -> dict:
        """A copy to serialise outside the lock while the controller keeps changing the original."""
        return copy.deepcopy(obj)

    def spawn_pod(
        self, name: str, namespace: str, template: dict, owners: list[dict], ready: bool = False
    ) -> dict:
        now = self.clock()
        obj = pod(name, namespace, template, now, owners)
        obj["spec"]["nodeName"] = self.choose_node(obj)
        images = [c["image"] for c in obj["spec"]["containers"]]
        life = PodLife(
            ticks=self.ready_steps if ready else 0, crashing=any(map(bad_image, images)), started=now
        )
        self.life[(namespace, name)] = life
        self.logs[(namespace, name)] = []
        self.render_pod(obj)
        return self.put("pods", obj)

    def random_suffix(self, length: int = 5) -> str:
        return "".join(self.rand.choice(HASH_ALPHABET) for _ in range(length))

    def choose_node(self, obj: dict) -> str | None:
        wants_gpu = any("nvidia.com/gpu" in str(c.get("resources") or {}) for c in obj["spec"]["containers"])
        nodes = [n for n in self.items("nodes") if _ready(n)]
        fitting = [n for n in nodes if ("nvidia.com/gpu" in n["status"]["capacity"]) == wants_gpu] or nodes
        if not fitting:
            return None
        load = {n["metadata"]["name"]: 0 for n in fitting}
        for other in self.items("pods"):
            if other["spec"].get("nodeName") in load:
                load[other["spec"]["nodeName"]] += 1
        return min(load, key=lambda name: (load[name], name))

    def age_pods(self) -> None:
        for key, life in self.life.items():
            life.ticks += 1
            self.render_pod(self.store["pods"][key])

    def render_pod(self, obj: dict) -> None:
        """Draw the pod's status from its life; bump the resource version only when it changed."""
        key = key_of(obj)
        life = self.life[key]
        now = self.clock()
        started = life.ticks >= self.ready_steps
        ready = started and not life.crashing
        if ready and life.ready_since is None:
            life.ready_since = now
        if not ready:
            life.ready_since = None
        if started and life.crashing:
            restarts = 1 + (life.ticks - self.ready_steps) // CRASH_EVERY
            if restarts > life.restarts:
                self.logs.setdefault(key, []).extend(kube_logs.crash(now))
            life.restarts = restarts
        status = self._pod_status(obj, life, started, ready)
        if status != obj["status"]:
            obj["status"] = status
            self.version += 1
            obj["metadata"]["resourceVersion"] = str(self.version)

    def _pod_status(self, obj: dict, life: PodLife, started: bool, ready: bool) -> dict:
        since = stamp(life.ready_since or life.started)
        containers = [_container_status(c, life, started, ready, since) for c in obj["spec"]["containers"]]
        conditions = [
            _condition("PodScheduled", True, life.started),
            _condition("Initialized", True, life.started),
            _condition("ContainersReady", ready, life.ready_since or life.started),
            _condition("Ready", ready, life.ready_since or life.started),
        ]
        host = obj["metadata"]["uid"]
        return {
            "phase": "Running" if started else "Pending",
            "conditions": conditions,
            "containerStatuses": containers,
            "startTime": stamp(life.started),
            "qosClass": "Burstable",
            "hostIP": f"10.0.1.{int(host[:2], 16) % 250 + 2}",
            "podIP": f"10.0.2.{int(host[2:4], 16) % 250 + 2}",
        }


def _ready(node: dict) -> bool:
    return any(c["type"] == "Ready" and c["status"] == "True" for c in node["status"].get("conditions", []))


def _condition(kind: str, status: bool, since: float) -> dict:
    return {"type": kind, "status": "True" if status else "False", "lastTransitionTime": stamp(since)}


def _container_status(container: dict, life: PodLife, started: bool, ready: bool, since: str) -> dict:
    status = {
        "name": container["name"],
        "image": container["image"],
        "imageID": "",
        "ready": ready,
        "started": ready,
        "restartCount": life.restarts,
        "containerID": "",
    }
    if ready:
        status["state"] = {"running": {"startedAt": since}}
    elif started and life.crashing:
        status["state"] = {
            "waiting": {
                "reason": "CrashLoopBackOff",
                "message": f"back-off restarting failed container {container['name']}",
            }
        }
        status["lastState"] = {
            "terminated": {"exitCode": 1, "reason": "Error", "startedAt": since, "finishedAt": since}
        }
    else:
        status["state"] = {"waiting": {"reason": "ContainerCreating"}}
    return status
