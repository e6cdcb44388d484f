"""The GPU node group and vLLM as the scaling tests see them in the sandbox, and putting them back as
seeded (2 Ready nodes labelled node-group=a100, 2 vLLM replicas) after a test changed them."""

from __future__ import annotations

import requests

from sandbox import aws
from tests.support import wait_until

NS = "llm-inference"


def a100_nodes(sandbox) -> list[dict]:
    """The manual's `kubectl get nodes -l node-group=a100`."""
    with sandbox.kube.cluster.lock:
        return [
            n
            for n in sandbox.kube.cluster.items("nodes")
            if n["metadata"]["labels"].get("node-group") == "a100"
        ]


def ready_count(sandbox) -> int:
    conditions = [{c["type"]: c["status"] for c in n["status"]["conditions"]} for n in a100_nodes(sandbox)]
    return sum(c.get("Ready") == "True" for c in conditions)


def set_group(sandbox, **scaling) -> None:
    sandbox.aws.client("eks").update_nodegroup_config(
        clusterName=aws.CLUSTER, nodegroupName=aws.NODEGROUP, scalingConfig=scaling
    )


def vllm(sandbox) -> dict:
    with sandbox.kube.cluster.lock:
        return sandbox.kube.cluster.get("deployments", NS, "vllm-llama-3-70b")


def put_back(sandbox) -> None:
    requests.patch(
        f"{sandbox.kube.url}/apis/apps/v1/namespaces/{NS}/deployments/vllm-llama-3-70b/scale",
        json={"spec": {"replicas": 2}},
        headers={"Content-Type": "application/merge-patch+json"},
        timeout=5,
    ).raise_for_status()
    set_group(sandbox, desiredSize=2, minSize=1)
    wait_until(lambda: len(a100_nodes(sandbox)) == 2 == ready_count(sandbox))
    wait_until(lambda: vllm(sandbox)["status"].get("readyReplicas") == 2)
