"""What kubelet, the scheduler and the node-problem-detector do to the stand-in's pods: restart a
crashing container every few ticks (BackOff, and OOMKilling on the node), retry a missing image
(Failed, BackOff), bind a pending pod once a node fits or say why not (FailedScheduling), evict a
pod (Evicted). Events are recorded as those components record them. Callers hold `cluster.lock`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sandbox import kube_events, kube_logs, kube_nodes
from sandbox.kube_pods import EVICTION, PodLife, exit_record

if TYPE_CHECKING:
    from sandbox.kube_cluster import Cluster

CRASH_EVERY = 4  # ticks between restarts of a crash-looping container, and between image pulls
RETRY_EVERY = 10  # ticks between the scheduler's attempts to place a pending pod
MODES = ("crashloop", "oom", "evicted")  # what can befall a running pod


def advance(cluster: Cluster, pod: dict) -> None:
    """One controller tick of the pod's life."""
    life = _life(cluster, pod)
    if pod["spec"].get("nodeName"):
        life.ticks += 1
    if life.since_attempt is not None:
        life.since_attempt += 1
    act(cluster, pod)


def act(cluster: Cluster, pod: dict) -> None:
    """Whatever is due now: a crash, a pull, a scheduling attempt."""
    life = _life(cluster, pod)
    if life.problem == "evicted":
        return
    if not pod["spec"].get("nodeName"):
        _schedule(cluster, pod, life)
    elif life.problem == "imagepull":
        _pull(cluster, pod, life)
    elif life.crashing and life.ticks >= cluster.ready_steps and _due(life, CRASH_EVERY):
        _die(cluster, pod, life)


def befall(cluster: Cluster, pod: dict, mode: str) -> None:
    """Make a running pod crash-loop, be OOMKilled over and over, or be evicted."""
    life = _life(cluster, pod)
    if mode == "evicted":
        _evict(cluster, pod, life)
        return
    life.problem, life.since_attempt = mode, None
    life.ticks = max(life.ticks, cluster.ready_steps)
    act(cluster, pod)


def recover(cluster: Cluster, pod: dict) -> None:
    """The container runs again (a new instance: restartCount and lastState stay)."""
    life = _life(cluster, pod)
    if life.problem in ("crashloop", "oom"):
        life.run_since = cluster.clock()
    life.problem, life.since_attempt = None, None
    life.ticks = max(life.ticks, cluster.ready_steps)


def _life(cluster: Cluster, pod: dict) -> PodLife:
    return cluster.life[(pod["metadata"]["namespace"], pod["metadata"]["name"])]


def _due(life: PodLife, every: int) -> bool:
    return life.since_attempt is None or life.since_attempt >= every


def _schedule(cluster: Cluster, pod: dict, life: PodLife) -> None:
    node, why = kube_nodes.place(cluster, pod)
    if node:
        pod["spec"]["nodeName"] = node
        life.ticks, life.started, life.since_attempt, life.unschedulable = 0, cluster.clock(), None, ""
        return
    life.unschedulable = why
    if _due(life, RETRY_EVERY):
        life.since_attempt = 0
        kube_events.record(cluster, pod, "Warning", "FailedScheduling", why, "default-scheduler")


def _die(cluster: Cluster, pod: dict, life: PodLife) -> None:
    now, meta = cluster.clock(), pod["metadata"]
    key, container, host = (meta["namespace"], meta["name"]), pod["spec"]["containers"][0], _host(pod)
    life.restarts += 1
    life.last_exit = exit_record(life, now)
    life.run_since, life.since_attempt = now, 0
    logs = cluster.logs.setdefault(key, [])
    logs.extend(kube_logs.oom(now) if life.problem == "oom" else kube_logs.crash(now))
    cluster.previous_logs[key] = list(logs)
    message = f"Back-off restarting failed container {container['name']} in pod {meta['name']}_{key[0]}"
    kube_events.record(cluster, pod, "Warning", "BackOff", f"{message}({meta['uid']})", "kubelet", host)
    node = cluster.get("nodes", "", host)
    if life.problem == "oom" and node is not None:
        process = 4000 + life.restarts
        oom = (
            f"Memory cgroup out of memory: Killed process {process} (python3) total-vm:9876543kB, "
            f"anon-rss:2097152kB, file-rss:0kB, shmem-rss:0kB, UID:1000 pgtables:4580kB oom_score_adj:984"
        )
        kube_events.record(cluster, node, "Warning", "OOMKilling", oom, "kernel-monitor", host)


def _pull(cluster: Cluster, pod: dict, life: PodLife) -> None:
    """Try the image every few ticks (it is not there); in between, kubelet backs off."""
    image, host = pod["spec"]["containers"][0]["image"], _host(pod)
    if life.since_attempt == 1:
        backoff = f'Back-off pulling image "{image}"'
        kube_events.record(cluster, pod, "Normal", "BackOff", backoff, "kubelet", host)
        kube_events.record(cluster, pod, "Warning", "Failed", "Error: ImagePullBackOff", "kubelet", host)
    if not _due(life, CRASH_EVERY):
        return
    life.attempts += 1
    life.since_attempt = 0
    reference = image if "/" in image.split(":")[0] else f"docker.io/library/{image}"
    why = (
        f'Failed to pull image "{image}": rpc error: code = NotFound desc = failed to pull and unpack '
        f'image "{reference}": failed to resolve reference "{reference}": {reference}: not found'
    )
    kube_events.record(cluster, pod, "Warning", "Failed", why, "kubelet", host)
    kube_events.record(cluster, pod, "Warning", "Failed", "Error: ErrImagePull", "kubelet", host)


def _evict(cluster: Cluster, pod: dict, life: PodLife) -> None:
    container, host = pod["spec"]["containers"][0]["name"], _host(pod)
    life.problem, life.ended = "evicted", cluster.clock()
    kube_events.record(cluster, pod, "Warning", "Evicted", EVICTION.format(c=container), "kubelet", host)
    kube_events.record(cluster, pod, "Normal", "Killing", f"Stopping container {container}", "kubelet", host)


def _host(pod: dict) -> str:
    return pod["spec"].get("nodeName") or ""
