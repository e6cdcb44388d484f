"""The Kubernetes stand-in's node groups, read through the official client as the bot reads them:
`/_sandbox/nodegroups/{group}/size` adds Ready nodes the manual's `-l node-group=a100` selects, and a
shrink lets the emptiest node go first and brings it back under its own name when the group grows."""

import pytest
import requests
from kubernetes import client

from sandbox.kube_api import KubeApiServer
from tests.sandbox.test_kube_api import official_client

SEEDED = ["ip-10-0-1-11.ec2.internal", "ip-10-0-1-12.ec2.internal"]


@pytest.fixture
def core(tmp_path):
    server = KubeApiServer(step_seconds=0.02)
    server.start()
    yield server, client.CoreV1Api(official_client(server, str(tmp_path / "kubeconfig")))
    server.stop()


def resize(server, size: int, group: str = "a100-node-group") -> requests.Response:
    return requests.post(f"{server.url}/_sandbox/nodegroups/{group}/size", json={"size": size}, timeout=5)


def a100(api) -> dict[str, bool]:
    found = api.list_node(label_selector="node-group=a100").items
    return {
        n.metadata.name: any(c.type == "Ready" and c.status == "True" for c in n.status.conditions)
        for n in found
    }


def test_growing_a_group_registers_ready_nodes_the_manuals_selector_finds(core):
    server, api = core
    assert resize(server, 3).json() == {"added": ["ip-10-0-1-100.ec2.internal"], "removed": []}
    assert a100(api) == {**dict.fromkeys(SEEDED, True), "ip-10-0-1-100.ec2.internal": True}
    new = api.read_node("ip-10-0-1-100.ec2.internal")
    assert new.status.capacity["nvidia.com/gpu"] == "8"
    assert new.metadata.labels["eks.amazonaws.com/nodegroup"] == "a100-node-group"


def test_shrinking_lets_the_emptiest_node_go_and_growing_brings_it_back_by_name(core):
    server, api = core
    pods_on = {
        name: len(api.list_pod_for_all_namespaces(field_selector=f"spec.nodeName={name}").items)
        for name in SEEDED
    }
    emptiest = min(SEEDED, key=lambda name: (pods_on[name], name))
    assert resize(server, 1).json() == {"added": [], "removed": [emptiest]}
    assert list(a100(api)) == [name for name in SEEDED if name != emptiest]
    assert resize(server, 2).json() == {"added": [emptiest], "removed": []}
    assert a100(api) == dict.fromkeys(SEEDED, True)


def test_a_group_with_no_node_to_copy_cannot_grow(core):
    server, _ = core
    refused = resize(server, 2, "h100-node-group")
    assert refused.status_code == 409 and "no node to clone" in refused.json()["error"]
