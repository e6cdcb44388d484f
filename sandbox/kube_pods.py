"""How a pod in the Kubernetes stand-in lives: its `PodLife` (age in controller ticks, the problem it
has, restarts, how its last container instance ended) and the `status` drawn from it, as kubelet
reports it for a healthy pod and for each problem the sandbox can cause:
  crashloop  waiting CrashLoopBackOff, lastState terminated Error (exit 1), restarts grow
  oom        waiting CrashLoopBackOff, lastState terminated OOMKilled (exit 137), restarts grow
  imagepull  Pending, waiting ErrImagePull then ImagePullBackOff (the image does not exist)
  evicted    phase Failed, reason Evicted (kubelet reclaimed memory)
A pod the scheduler could not place is Pending with PodScheduled False, reason Unschedulable.
"""

from __future__ import annotations

from dataclasses import dataclass

from sandbox.kube_objects import stamp

CRASHES = ("crashloop", "oom")
EVICTION = (
    "The node was low on resource: memory. Threshold quantity: 100Mi, available: 51200Ki. Container {c} "
    "was using 1843200Ki, request is 2Gi, has larger consumption of its request. "
)


@dataclass
class PodLife:
    ticks: int  # controller ticks since the pod was bound to a node
    started: float
    problem: str | None = None  # crashloop, oom, imagepull, evicted
    ready_since: float | None = None
    restarts: int = 0
    since_attempt: int | None = None  # ticks since the last crash, pull or scheduling attempt
    attempts: int = 0  # image pulls tried
    last_exit: dict | None = None  # lastState.terminated of the previous container instance
    run_since: float = 0.0  # when the current container instance started
    unschedulable: str = ""  # the scheduler's last word on why it could not place the pod
    ended: float = 0.0  # when it was evicted

    @property
    def crashing(self) -> bool:
        return self.problem in CRASHES


def status(obj: dict, life: PodLife, started: bool, node_ready: bool, now: float) -> dict:
    if life.problem == "evicted":
        return _evicted(obj, life)
    if not obj["spec"].get("nodeName"):
        condition = _condition("PodScheduled", False, life.started, "Unschedulable", life.unschedulable)
        return {"phase": "Pending", "conditions": [condition], "qosClass": "Burstable"}
    pulling = life.problem == "imagepull"
    ready = started and not life.problem and node_ready
    if ready and life.ready_since is None:
        life.ready_since = now
    if not ready:
        life.ready_since = None
    since = life.ready_since or life.started
    containers = [_container(obj, c, life, started, ready) for c in obj["spec"]["containers"]]
    unready = "" if ready else f"containers with unready status: [{obj['spec']['containers'][0]['name']}]"
    host = obj["metadata"]["uid"]
    return {
        "phase": "Running" if started and not pulling else "Pending",
        "conditions": [
            _condition("PodScheduled", True, life.started),
            _condition("Initialized", True, life.started),
            _condition("ContainersReady", ready, since, "" if ready else "ContainersNotReady", unready),
            _condition("Ready", ready, since, "" if ready else "ContainersNotReady", unready),
        ],
        "containerStatuses": containers,
        "startTime": stamp(life.started),
        "qosClass": "Burstable",
        "hostIP": f"10.0.1.{int(host[:2], 16) % 250 + 2}",
        "podIP": f"10.0.2.{int(host[2:4], 16) % 250 + 2}",
    }


def exit_record(life: PodLife, now: float) -> dict:
    """How the container instance that just died ended; kept as lastState after it restarts."""
    oom = life.problem == "oom"
    return {
        "exitCode": 137 if oom else 1,
        "reason": "OOMKilled" if oom else "Error",
        "startedAt": stamp(life.run_since or life.started),
        "finishedAt": stamp(now),
        "containerID": "",
    }


def _container(obj: dict, container: dict, life: PodLife, started: bool, ready: bool) -> dict:
    status = {
        "name": container["name"],
        "image": container["image"],
        "imageID": "",
        "ready": ready,
        "started": started and not life.problem,
        "restartCount": life.restarts,
        "containerID": "",
        "state": {"waiting": _waiting(obj, container, life, started)},
    }
    if started and not life.problem:
        status["state"] = {"running": {"startedAt": stamp(life.run_since or life.started)}}
    if life.last_exit:
        status["lastState"] = {"terminated": dict(life.last_exit)}
    return status


def _waiting(obj: dict, container: dict, life: PodLife, started: bool) -> dict:
    if life.problem == "imagepull":
        if life.attempts <= 1 and life.since_attempt == 0:
            return {"reason": "ErrImagePull", "message": f"failed to pull image {container['image']!r}"}
        return {"reason": "ImagePullBackOff", "message": f'Back-off pulling image "{container["image"]}"'}
    if started and life.crashing:
        meta = obj["metadata"]
        delay = min(300, 10 * 2 ** max(0, life.restarts - 1))
        return {
            "reason": "CrashLoopBackOff",
            "message": f"back-off {delay}s restarting failed container={container['name']} "
            f"pod={meta['name']}_{meta['namespace']}({meta['uid']})",
        }
    return {"reason": "ContainerCreating"}


def _evicted(obj: dict, life: PodLife) -> dict:
    message = EVICTION.format(c=obj["spec"]["containers"][0]["name"])
    terminated = {
        "exitCode": 137,
        "reason": "ContainerStatusUnknown",
        "message": "The container could not be located when the pod was terminated",
        "startedAt": stamp(life.run_since or life.started),
        "finishedAt": stamp(life.ended),
    }
    containers = [
        {
            "name": c["name"],
            "image": c["image"],
            "imageID": "",
            "ready": False,
            "started": False,
            "restartCount": life.restarts,
            "state": {"terminated": terminated},
        }
        for c in obj["spec"]["containers"]
    ]
    return {
        "phase": "Failed",
        "reason": "Evicted",
        "message": message,
        "conditions": [
            _condition("DisruptionTarget", True, life.ended, "TerminationByKubelet", message),
            _condition("Ready", False, life.ended, "PodFailed"),
        ],
        "containerStatuses": containers,
        "startTime": stamp(life.started),
        "qosClass": "Burstable",
    }


def _condition(kind: str, ok: bool, since: float, reason: str = "", message: str = "") -> dict:
    found = {"type": kind, "status": "True" if ok else "False", "lastTransitionTime": stamp(since)}
    if reason:
        found["reason"] = reason
    if message:
        found["message"] = message
    return found
