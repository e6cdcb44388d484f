"""KubeClient's ConfigMap and vulnerability-report calls against the Kubernetes stand-in."""

import pytest
import requests

from integrations.errors import NotFound
from tests.kube_support import NS, kube_on_sandbox


@pytest.fixture
def sandbox(tmp_path):
    with kube_on_sandbox(tmp_path) as pair:
        yield pair


def test_a_config_map_key_change_round_trips(sandbox):
    _, kube = sandbox
    before = kube.get_configmap(NS, "guardrails-config")
    after = kube.patch_configmap(NS, "guardrails-config", "toxicity_threshold", "0.65")
    assert after == {**before, "toxicity_threshold": "0.65"} == kube.get_configmap(NS, "guardrails-config")
    assert before["toxicity_threshold"] != "0.65"


def test_a_config_map_value_must_be_a_string(sandbox):
    with pytest.raises(TypeError, match="ConfigMap values are strings, not int"):
        sandbox[1].patch_configmap(NS, "guardrails-config", "max_input_tokens", 8192)


def test_a_missing_config_map_is_not_found(sandbox):
    with pytest.raises(NotFound, match="cannot read configmap llm-inference/no-such-config: not found"):
        sandbox[1].get_configmap(NS, "no-such-config")


def test_vulnerability_reports_count_critical_and_high_findings_per_image(sandbox):
    reports = {r.container: r for r in sandbox[1].vulnerability_reports(NS)}
    vllm = reports["vllm"]
    assert (vllm.image, vllm.resource_kind, vllm.critical, vllm.high) == (
        "index.docker.io/vllm/vllm-openai:v0.3.0",
        "ReplicaSet",
        1,
        2,
    )
    assert [f.severity for f in vllm.findings] == ["CRITICAL", "HIGH", "HIGH"]
    assert vllm.findings[0].id == "CVE-2024-45490" and vllm.findings[0].fixed_version
    assert (reports["qdrant"].resource_kind, reports["qdrant"].resource_name) == ("StatefulSet", "qdrant")
    assert reports["rag-service"].image == "ghcr.io/example/rag-service:1.4.2"


def test_without_the_trivy_operator_the_reports_say_how_to_install_it(sandbox):
    server, kube = sandbox
    requests.post(f"{server.url}/_sandbox/crds/vulnerabilityreports", json={"installed": False}, timeout=2)
    with pytest.raises(NotFound, match=r"the Trivy Operator is not installed .*helm install trivy-operator"):
        kube.vulnerability_reports(NS)
