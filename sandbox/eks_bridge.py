"""The sandbox's EKS (moto) and its Kubernetes stand-in, joined: when a node group's desired size changes
in moto, after `join_seconds` (instances booting) the stand-in's nodes of that group are brought to the
new size (`/_sandbox/nodegroups/{group}/size`), so a scale-up ends with new Ready nodes as on EKS.
Only changes are acted on: a node a test removes on purpose is not replaced behind its back."""

from __future__ import annotations

import logging
import threading
import time

import requests

from sandbox import aws

log = logging.getLogger(__name__)


class EksBridge:
    def __init__(
        self, moto: aws.SandboxAws, kube_url: str, poll_seconds: float = 0.5, join_seconds: float = 1.0
    ):
        self._moto, self._kube_url = moto, kube_url
        self._poll, self._join = poll_seconds, join_seconds
        self._seen: dict[str, int] = {}  # node group -> the desired size last acted on (or found)
        self._due: dict[str, tuple[int, float]] = {}  # node group -> (size, when to apply it)
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._eks = self._moto.client("eks")
        self._seen = self._desired()  # what the cluster was seeded with is already in place
        self._thread = threading.Thread(target=self._run, name="eks-bridge", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def _run(self) -> None:
        while not self._stopping.wait(self._poll):
            try:
                self.step(time.monotonic())
            except Exception:  # the bridge must outlive one bad poll (moto or the stand-in restarting)
                log.exception("eks bridge: poll failed")

    def step(self, now: float) -> None:
        for group, size in self._desired().items():
            if size == self._seen.get(group):
                self._due.pop(group, None)  # changed and changed back before any instance came or went
            elif self._due.get(group, (None,))[0] != size:
                self._due[group] = (size, now + self._join)
        for group, (size, when) in list(self._due.items()):
            if when <= now:
                self._resize(group, size)
                self._seen[group] = size
                del self._due[group]

    def _desired(self) -> dict[str, int]:
        groups = self._eks.list_nodegroups(clusterName=aws.CLUSTER).get("nodegroups", [])
        return {
            name: self._eks.describe_nodegroup(clusterName=aws.CLUSTER, nodegroupName=name)["nodegroup"][
                "scalingConfig"
            ]["desiredSize"]
            for name in groups
        }

    def _resize(self, group: str, size: int) -> None:
        url = f"{self._kube_url}/_sandbox/nodegroups/{group}/size"
        response = requests.post(url, json={"size": size}, timeout=5)
        if response.status_code != 200:
            log.warning("eks bridge: %s to %d refused: %s", group, size, response.text[:200])
