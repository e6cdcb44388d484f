"""The platform from the operations manual, as a healthy starting cluster: vLLM and the RAG service
in `llm-inference`, a Qdrant pod, A100 GPU nodes plus a system node, services, metrics and logs, the
guardrails ConfigMap, and the Trivy Operator's vulnerability reports for the platform's images.
"""

from __future__ import annotations

from sandbox import kube_logs
from sandbox.kube_cluster import Cluster
from sandbox.kube_configmaps import configmap
from sandbox.kube_controller import settle
from sandbox.kube_objects import deployment, namespace, node, service, stamp
from sandbox.kube_trivy import seed_reports

NAMESPACE = "llm-inference"
DAY = 86400
GPU_NODES = ("ip-10-0-1-11.ec2.internal", "ip-10-0-1-12.ec2.internal")
SYSTEM_NODE = "ip-10-0-2-21.ec2.internal"
POD_USAGE = {"vllm": ("7850m", "148Gi"), "rag-service": ("420m", "1536Mi"), "qdrant": ("310m", "6Gi")}
GUARDRAILS = {  # ConfigMap values are strings, whatever they mean
    "pii_detection": "enabled",
    "prompt_injection_detection": "enabled",
    "toxicity_threshold": "0.8",
    "max_input_tokens": "4096",
    "max_output_tokens": "2048",
    "blocked_topics": "weapons,self-harm,malware",
}


def seed_platform(cluster: Cluster) -> None:
    with cluster.lock:
        born = cluster.clock() - 30 * DAY
        _seed_infrastructure(cluster, born)
        _seed_workloads(cluster, born)
    settle(cluster)
    with cluster.lock:
        _seed_observations(cluster)
        cluster.put(
            "configmaps", configmap("guardrails-config", NAMESPACE, GUARDRAILS, cluster.clock() - DAY)
        )
        seed_reports(cluster)


def _seed_infrastructure(cluster: Cluster, born: float) -> None:
    for name in (NAMESPACE, "monitoring", "kube-system", "default"):
        cluster.put("namespaces", namespace(name, born))
    for i, name in enumerate(GPU_NODES):
        cluster.put(
            "nodes", node(name, "a100-node-group", "p4d.24xlarge", 96, "1152Gi", 8, born, f"10.0.1.{11 + i}")
        )
    cluster.put("nodes", node(SYSTEM_NODE, "system-node-group", "m5.xlarge", 4, "16Gi", 0, born, "10.0.2.21"))
    cluster.put(
        "services",
        service(
            "grafana-public",
            "monitoring",
            "LoadBalancer",
            {"app": "grafana"},
            80,
            born,
            "a1b2c3d4e5-1234567890.us-east-1.elb.amazonaws.com",
        ),
    )
    cluster.put("services", service("vllm-llama-3-70b", NAMESPACE, "ClusterIP", {"app": "vllm"}, 8000, born))
    cluster.put(
        "services", service("rag-service", NAMESPACE, "ClusterIP", {"app": "rag-service"}, 8080, born)
    )


def _seed_workloads(cluster: Cluster, born: float) -> None:
    gpus = {
        "requests": {"nvidia.com/gpu": "4", "cpu": "8", "memory": "160Gi"},
        "limits": {"nvidia.com/gpu": "4"},
    }
    cluster.put(
        "deployments",
        deployment(
            "vllm-llama-3-70b",
            NAMESPACE,
            "vllm/vllm-openai:v0.3.0",
            2,
            {"app": "vllm", "version": "stable"},
            born,
            "vllm",
            gpus,
        ),
    )
    small = {"requests": {"cpu": "500m", "memory": "2Gi"}}
    cluster.put(
        "deployments",
        deployment(
            "rag-service",
            NAMESPACE,
            "ghcr.io/example/rag-service:1.4.2",
            3,
            {"app": "rag-service"},
            born,
            "rag-service",
            small,
            8080,
        ),
    )
    template = {
        "metadata": {"labels": {"app": "qdrant"}},
        "spec": {
            "containers": [
                {"name": "qdrant", "image": "qdrant/qdrant:v1.8.1", "ports": [{"containerPort": 6333}]}
            ]
        },
    }
    owner = {
        "apiVersion": "apps/v1",
        "kind": "StatefulSet",
        "name": "qdrant",
        "uid": "5f0c3c1e-0000-4000-8000-00000000qd00",
        "controller": True,
    }
    cluster.spawn_pod("qdrant-0", NAMESPACE, template, [owner], ready=True)


def _seed_observations(cluster: Cluster) -> None:
    now = cluster.clock()
    for pod in cluster.items("pods"):
        key = (pod["metadata"]["namespace"], pod["metadata"]["name"])
        _backdate(cluster, pod, now - 2 * DAY)
        app = pod["metadata"]["labels"].get("app", "")
        cluster.logs[key] = kube_logs.history(app, pod["metadata"]["name"], now)
        cpu, memory = POD_USAGE.get(app, ("50m", "128Mi"))
        cluster.pod_usage[key] = {"cpu": cpu, "memory": memory}
    for i, name in enumerate(GPU_NODES):
        cluster.node_usage[name] = {
            "cpu": f"{18_250_000_000 + i * 3_400_000_000}n",
            "memory": f"{331_350_000 + i * 41_000_000}Ki",
        }
    cluster.node_usage[SYSTEM_NODE] = {"cpu": "1250m", "memory": "9876543Ki"}


def _backdate(cluster: Cluster, pod: dict, when: float) -> None:
    """Seeded pods have been running for days, not since the sandbox started."""
    life = cluster.life[(pod["metadata"]["namespace"], pod["metadata"]["name"])]
    life.started = life.ready_since = when
    pod["metadata"]["creationTimestamp"] = stamp(when)
    cluster.render_pod(pod)
