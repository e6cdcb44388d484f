"""Helpers for Kubernetes tests: a stand-in with our client on it, deployments cloned from the seeded
ones so each test rolls out its own, polling with a deadline, and the RBAC a request needs."""

from __future__ import annotations

import re
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import yaml

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


# --- RBAC: which (group, resource, verb, scope) a request needs, and what manifests/ grant ---
_PATH = re.compile(
    r"^/(?:api/v1|apis/(?P<group>[^/]+)/[^/]+)(?:/namespaces/[^/]+)?/(?P<resource>[^/]+)"
    r"(?:/(?P<name>[^/]+)(?:/(?P<sub>[^/]+))?)?$"
)
_VERBS = {"POST": "create", "PATCH": "patch", "PUT": "update", "DELETE": "delete", "WATCH": "watch"}


def rbac_attributes(method: str, path: str) -> tuple[str, str, str, str]:
    """(group, resource, verb, scope): a path without /namespaces/ needs a ClusterRole."""
    match = _PATH.match(path)
    assert match, f"unexpected API path {path}"
    resource = match["resource"] + (f"/{match['sub']}" if match["sub"] else "")
    verb = _VERBS.get(method) or ("get" if match["name"] else "list")
    return match["group"] or "", resource, verb, "namespaced" if "/namespaces/" in path else "cluster"


def granted() -> set[tuple[str, str, str, str]]:
    found = set()
    for doc in yaml.safe_load_all(open("manifests/rbac.yaml")):
        if doc and doc["kind"] in ("Role", "ClusterRole"):
            scope = "cluster" if doc["kind"] == "ClusterRole" else "namespaced"
            found |= {
                (g, r, v, scope)
                for rule in doc["rules"]
                for g in rule["apiGroups"]
                for r in rule["resources"]
                for v in rule["verbs"]
            }
    return found
