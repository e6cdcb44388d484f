"""A stand-in for the Kubernetes API server on loopback: real REST paths and JSON, so the official
`kubernetes` client works against it through `write_kubeconfig`, with a controller thread that rolls
deployments out, crash-loops bad images and reports honest status. Errors are `Status` objects.

Served: apps/v1 deployments (list, get, create, patch, replace, delete, scale get/patch/replace),
replicasets (list, get); core/v1 pods (list, get, delete, log with previous/sinceSeconds/tailLines),
nodes, services, namespaces (list, get), events (list, get), configmaps (list, get, patch, replace);
events.k8s.io/v1 events (list, get); metrics.k8s.io/v1beta1 nodes and pods; Trivy Operator
aquasecurity.github.io/v1alpha1 vulnerabilityreports (list, get). Lists honour labelSelector and
fieldSelector (equality) and carry `metadata.resourceVersion`; one resource version counts across
all objects. Images whose tag contains `bad` or `crash` crash-loop; `nonexistent`, `missing` or
`does-not-exist` cannot be pulled (ImagePullBackOff). A pod fits a node that is Ready, untainted,
matches its nodeSelector and has the GPUs it asks for; otherwise it stays Pending (FailedScheduling).

Watch (`?watch=true`, see `kube_watch`): pods, nodes, events (core/v1 and events.k8s.io/v1),
deployments and replicasets, with resourceVersion, allowWatchBookmarks (a BOOKMARK every
`bookmark_seconds`), timeoutSeconds, and a 410 Expired ERROR event from a compacted resourceVersion.

Test-only admin routes (POST, JSON bodies); problems emit the Events the real components would:
  /_sandbox/fault                          {"delay_seconds": 5, "status": 503}, `{}` clears (httpstub)
  /_sandbox/deployments/{ns}/{name}/break  {"mode": "oom"|"crashloop"|"imagepull"|"unschedulable"}:
      oom/crashloop: every pod of it (and each new one) restarts every few ticks, lastState terminated
      OOMKilled (137) or Error (1), waiting CrashLoopBackOff; Warning BackOff, and OOMKilling on the node.
      imagepull: the template's image gets a tag that does not exist, so the new pod is ErrImagePull then
      ImagePullBackOff (Warning Failed) and the rollout stalls. unschedulable: a nodeSelector no node
      matches, so the new pod is Pending (Warning FailedScheduling).
  /_sandbox/deployments/{ns}/{name}/fix    undoes the break (the template is put back)
  /_sandbox/pods/{ns}/{name}/break         {"mode": "crashloop"|"oom"|"evicted"} for one pod; evicted:
      phase Failed, reason Evicted (Warning Evicted); its Deployment starts a replacement
  /_sandbox/pods/{ns}/{name}/fix           runs again (restartCount, lastState stay); deletes an evicted pod
  /_sandbox/pods/{ns}/{name}/crash|heal    the same as break {"mode": "crashloop"} and fix
  /_sandbox/pods/{ns}/{name}/logs          {"lines": ["... ERROR ..."]} appended with the current time
  /_sandbox/nodes/{name}/ready             {"ready": false}: conditions Unknown, unreachable taints, its
      pods not ready (Normal NodeNotReady on the node, Warning NodeNotReady on each pod)
  /_sandbox/nodes/{name}/pressure          {"memory": true, "disk": true}: MemoryPressure/DiskPressure
      (Normal NodeHasInsufficientMemory / NodeHasDiskPressure, Warning EvictionThresholdMet)
  /_sandbox/nodes/{name}/remove            the node leaves (deleted); its pods are deleted and replaced
  /_sandbox/nodes/{name}/restore           a removed node joins again, Ready
  /_sandbox/nodes/{name}/fix               Ready and no pressure
  /_sandbox/nodegroups/{group}/size       {"size": 3}: the EKS node group's nodes brought to that count, as
      its autoscaling group does (new ones Ready, cloned from a member; a shrink removes the emptiest,
      newest first). sandbox/eks_bridge.py calls it when the group's desired size changes in moto.
  /_sandbox/metrics/nodes/{name}           {"cpu": "90000m", "memory": "1000Gi"}
  /_sandbox/metrics/pods/{ns}/{name}       {"cpu": "7850m", "memory": "148Gi"} for each container
  /_sandbox/settle                         fast-forward: every healthy pod ready, rollouts finished
  /_sandbox/compact                        forget the watch history: older resourceVersions get 410
  /_sandbox/watches/close                  end every open watch stream (an API server restart)
  /_sandbox/crds/vulnerabilityreports      {"installed": false}: the Trivy CRD is absent (lists 404)
Node events are recorded in namespace `default`, as kubelet records them.
"""

from __future__ import annotations

import threading
import time
from typing import Callable

import yaml

from sandbox.kube_cluster import Cluster
from sandbox.kube_controller import tick
from sandbox.kube_routes import WATCHED, routes
from sandbox.kube_seed import seed_platform
from sandbox.kube_watch import KubeStub


class KubeApiServer:
    """The API server plus its controller; `step_seconds` is one controller tick, and a new pod
    becomes Ready after `ready_steps` ticks (defaults: 0.3 s and 5, so about 1.5 s a pod). Watches
    with bookmarks get one every `bookmark_seconds` (the real server: about a minute)."""

    def __init__(
        self,
        step_seconds: float = 0.3,
        ready_steps: int = 5,
        seed: bool = True,
        clock: Callable[[], float] = time.time,
        bookmark_seconds: float = 60.0,
    ):
        self.cluster = Cluster(ready_steps, clock)
        self.step_seconds = step_seconds
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self.stub = KubeStub(self.cluster, bookmark_seconds)
        for method, pattern, handler in routes(self.cluster):
            self.stub.route(method, pattern, handler)
        for pattern, spec in WATCHED:
            self.stub.watch_route(pattern, spec)
        if seed:
            seed_platform(self.cluster)

    def start(self, port: int = 0) -> str:
        url = self.stub.start(port)
        self._stopping.clear()
        self._thread = threading.Thread(target=self._run_controller, name="kube-controller", daemon=True)
        self._thread.start()
        return url

    @property
    def url(self) -> str:
        return self.stub.url

    def stop(self) -> None:
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
        self.stub.close_watches()
        self.stub.stop()

    def _run_controller(self) -> None:
        while not self._stopping.wait(self.step_seconds):
            tick(self.cluster)


def write_kubeconfig(path: str, server_url: str, namespace: str = "llm-inference") -> None:
    """A kubeconfig with one context, `sandbox`, pointing at `server_url` with a dummy token."""
    config = {
        "apiVersion": "v1",
        "kind": "Config",
        "preferences": {},
        "current-context": "sandbox",
        "clusters": [{"name": "sandbox", "cluster": {"server": server_url}}],
        "users": [{"name": "sandbox", "user": {"token": "sandbox-token-not-secret"}}],
        "contexts": [
            {"name": "sandbox", "context": {"cluster": "sandbox", "user": "sandbox", "namespace": namespace}}
        ],
    }
    with open(path, "w", encoding="utf-8") as handle:
        yaml.safe_dump(config, handle, sort_keys=False)
