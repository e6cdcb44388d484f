"""`/llm audit vulnerabilities` and the security audit's part for it, through the real Kubernetes client
on the stand-in that serves the Trivy Operator's VulnerabilityReports (or lacks their CRD)."""

from __future__ import annotations

from contextlib import contextmanager

import pytest
import requests

from commands import security, vulnerabilities
from tests.kube_support import kube_on_sandbox
from tests.light_deps import light_deps


@pytest.fixture(scope="module")
def kube(tmp_path_factory):
    with kube_on_sandbox(tmp_path_factory.mktemp("trivy")) as (server, client):
        yield server, client


@contextmanager
def without_trivy(server):
    url = f"{server.url}/_sandbox/crds/vulnerabilityreports"
    requests.post(url, json={"installed": False}, timeout=2).raise_for_status()
    try:
        yield
    finally:
        requests.post(url, json={"installed": True}, timeout=2).raise_for_status()


def test_critical_and_high_counts_per_image_the_platform_runs_worst_findings_first(kube):
    found = vulnerabilities.scan(light_deps(kube=kube[1]))
    assert [(i.image, i.critical, i.high, i.state) for i in found.images] == [
        ("ghcr.io/example/rag-service:1.4.2", 1, 3, "fail"),
        ("qdrant/qdrant:v1.8.1", 0, 1, "warn"),
        ("vllm/vllm-openai:v0.3.0", 1, 2, "fail"),
    ]
    assert vulnerabilities.summary(found) == "2 critical and 6 high across 3 image(s)"
    vllm = found.images[2]
    assert vllm.workloads[0].startswith("ReplicaSet/vllm-llama-3-70b-") and vllm.workloads[0].endswith(
        "(vllm)"
    )
    assert vulnerabilities.finding_line(vllm.findings[0]) == (
        "CRITICAL <https://avd.aquasec.com/nvd/cve-2024-45490|CVE-2024-45490> `libexpat1` `2.4.7-1ubuntu0.3` "
        "→ `2.4.7-1ubuntu0.4`: libexpat: Negative Length Parsing Vulnerability in libexpat"
    )


def test_the_security_audit_lists_the_images_with_findings_as_a_part_of_its_own(kube):
    part = security.image_vulnerabilities(light_deps(kube=kube[1]))
    assert (part.title, part.state) == ("Image vulnerabilities", "fail")
    assert part.findings == [
        "❌ `ghcr.io/example/rag-service:1.4.2`: 1 critical, 3 high",
        "⚠️ `qdrant/qdrant:v1.8.1`: 0 critical, 1 high",
        "❌ `vllm/vllm-openai:v0.3.0`: 1 critical, 2 high",
    ]


def test_without_the_trivy_operator_the_scan_says_how_to_install_it(kube):
    with without_trivy(kube[0]):
        found = vulnerabilities.scan(light_deps(kube=kube[1]))
    assert found.state == "unknown" and found.images == []
    text = vulnerabilities.render_text(found)
    assert text.startswith("❔ the Trivy Operator is not installed (no VulnerabilityReport CRD")
    assert (
        "`helm install trivy-operator aqua/trivy-operator --namespace trivy-system --create-namespace`"
        in text
    )
