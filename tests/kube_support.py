"""Helpers for tests of the change calls: a Kubernetes stand-in with our client on it, deployments
cloned from the seeded ones so each test rolls out its own, and polling with a deadline."""
from __future__ import annotations

import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from integrations.kube import KubeClient
from sandbox.kube_api import KubeApiServer, write_kubeconfig

NS = "llm-inference"


@contextmanager
def kube_on_sandbox(workdir: Path) -> Iterator[tuple[KubeApiServer, KubeClient]]:
    server = KubeApiServer(step_seconds=0.05)
    server.start()
    write_kubeconfig(str(workdir / "kubeconfig"), server.url)
    client = KubeClient(str(workdir / "kubeconfig"), timeout_seconds=2.0)
    try:
        yield server, client
    finally:
        client.close()
        server.stop()


def clone(kube: KubeClient, name: str, source: str = "rag-service", replicas: int = 2, **spec) -> dict:
    """A copy of `source` under a new name and its own `app` label, with `spec` fields overridden."""
    manifest = kube.deployment_manifest(NS, source)
    labels = {"app": name}
    manifest["metadata"].update(name=name, labels=labels)
    manifest["spec"].update(replicas=replicas, selector={"matchLabels": labels}, **spec)
    manifest["spec"]["template"]["metadata"]["labels"] = labels
    kube.create_deployment(NS, manifest)
    return manifest


def eventually(check, timeout: float = 8.0):
    """Poll `check` until it returns something truthy, failing after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not (result := check()):
        assert time.monotonic() < deadline, "condition not reached in time"
        time.sleep(0.02)
    return result
