"""Renders manifests/ and its overlays with `kubectl kustomize`, offline, and validates what comes out:
built-in kinds with kubernetes-validate, the Prometheus Operator's kinds field by field. A missing
kubectl is a failure, not a skip: CI installs Debian's kubectl package."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import kubernetes_validate
import pytest
import yaml

REPO = Path(__file__).resolve().parent.parent
MANIFESTS = REPO / "manifests"
OVERLAYS = MANIFESTS / "overlays"
KUBERNETES_VERSION = "1.30"
# Anything that tries the network meets a closed port, so a remote base fails the render.
OFFLINE = {
    name: "http://127.0.0.1:9" for name in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy")
} | {"NO_PROXY": "", "no_proxy": "", "GIT_TERMINAL_PROMPT": "0", "KUBECONFIG": os.devnull}
DURATION = re.compile(r"^([0-9]+(ms|s|m|h|d|w|y))+$")


def kubectl() -> str:
    found = shutil.which("kubectl")
    if found is None:
        pytest.fail("kubectl is missing: `apt-get install -y kubectl` (the overlays are rendered with it)")
    return found


def render(directory: Path) -> list[dict]:
    """The objects `kubectl kustomize directory` prints."""
    done = subprocess.run(
        [kubectl(), "kustomize", str(directory)],
        capture_output=True,
        text=True,
        timeout=30,
        env={**os.environ, **OFFLINE},
    )
    assert done.returncode == 0, f"kubectl kustomize {directory} failed:\n{done.stderr}"
    return [doc for doc in yaml.safe_load_all(done.stdout) if doc is not None]


def overlay_names() -> list[str]:
    return sorted(path.parent.name for path in OVERLAYS.glob("*/kustomization.yaml"))


def compose(workdir: Path, overlays) -> Path:
    """A team's kustomization: the base plus the chosen overlays. It must live outside manifests/,
    because kustomize refuses a base directory that contains the kustomization using it."""
    base = os.path.relpath(MANIFESTS, workdir)
    kustomization = {
        "apiVersion": "kustomize.config.k8s.io/v1beta1",
        "kind": "Kustomization",
        "resources": [base],
        "components": [f"{base}/overlays/{name}" for name in overlays],
    }
    (workdir / "kustomization.yaml").write_text(yaml.safe_dump(kustomization, sort_keys=False))
    return workdir


def validate(obj: dict) -> None:
    """Fails unless the API server (or the Prometheus Operator's CRDs) would accept obj."""
    check = CUSTOM_KINDS.get((obj["apiVersion"], obj["kind"]))
    if check is None:
        kubernetes_validate.validate(obj, KUBERNETES_VERSION, strict=True)
    else:
        check(obj)


def check_object_shell(obj: dict) -> None:
    assert set(obj) == {"apiVersion", "kind", "metadata", "spec"}, obj["kind"]
    assert set(obj["metadata"]) <= {"name", "namespace", "labels", "annotations"}, obj["metadata"]
    assert obj["metadata"]["name"] and obj["metadata"]["namespace"], obj["metadata"]
    assert all(isinstance(value, str) for value in obj["metadata"].get("labels", {}).values())


def check_service_monitor(obj: dict) -> None:
    check_object_shell(obj)
    spec = obj["spec"]
    assert set(spec) <= {"selector", "endpoints", "namespaceSelector", "jobLabel", "targetLabels"}, spec
    assert set(spec["selector"]) == {"matchLabels"}
    assert all(isinstance(v, str) for v in spec["selector"]["matchLabels"].values())
    assert spec["endpoints"], "a ServiceMonitor needs at least one endpoint"
    for endpoint in spec["endpoints"]:
        assert set(endpoint) <= {"port", "path", "interval", "scrapeTimeout", "scheme", "honorLabels"}
        assert isinstance(endpoint["port"], str) and endpoint["path"].startswith("/")
        assert DURATION.match(endpoint.get("interval", "30s")), endpoint


def check_prometheus_rule(obj: dict) -> None:
    check_object_shell(obj)
    assert set(obj["spec"]) == {"groups"}
    names = [group["name"] for group in obj["spec"]["groups"]]
    assert len(names) == len(set(names)), f"duplicate group names: {names}"
    for group in obj["spec"]["groups"]:
        assert set(group) <= {"name", "interval", "rules"} and group["rules"], group["name"]
        for rule in group["rules"]:
            check_rule(rule)


def check_rule(rule: dict) -> None:
    assert len({"alert", "record"} & set(rule)) == 1, rule
    assert set(rule) <= {"alert", "record", "expr", "for", "keep_firing_for", "labels", "annotations"}
    assert isinstance(rule["expr"], str) and rule["expr"].strip(), rule
    assert DURATION.match(rule.get("for", "0s")), rule
    for field in ("labels", "annotations"):
        assert all(isinstance(v, str) for v in rule.get(field, {}).values()), (rule, field)


CUSTOM_KINDS = {
    ("monitoring.coreos.com/v1", "ServiceMonitor"): check_service_monitor,
    ("monitoring.coreos.com/v1", "PrometheusRule"): check_prometheus_rule,
}


def by_kind(objects: list[dict], kind: str) -> list[dict]:
    return [obj for obj in objects if obj["kind"] == kind]


def only(objects: list[dict], kind: str) -> dict:
    found = by_kind(objects, kind)
    assert len(found) == 1, f"expected one {kind}, found {len(found)}"
    return found[0]


def identity(obj: dict) -> tuple[str, str, str]:
    return obj["kind"], obj["metadata"].get("namespace", ""), obj["metadata"]["name"]
