"""EksClient against moto's server (the sandbox's AWS, seeded with the manual's GPU node group), and
against a small EKS stand-in for what moto lacks: DescribeUpdate and EKS' own size validation."""

import itertools
import socket
import time

import pytest

from integrations.eks import EksClient, NodeGroup, Scaling, UpdateStatus
from integrations.errors import IntegrationError, NotFound, Unavailable
from sandbox.aws import ACCESS_KEY, CLUSTER, NODEGROUP, REGION, SECRET_KEY, SandboxAws
from sandbox.httpstub import Request, Response, StubServer

ROLE = "arn:aws:iam::123456789012:role/eks-cluster"
_names = itertools.count()


@pytest.fixture(scope="module")
def aws():
    sandbox = SandboxAws()
    sandbox.start()
    yield sandbox
    sandbox.stop()


@pytest.fixture(scope="module")
def eks(aws):
    return client(aws.url)


@pytest.fixture
def spare_group(aws):
    """A node group of its own (min 1, max 6, desired 2), so resizing it disturbs no other test."""
    name = f"spare-{next(_names)}"
    aws.client("eks").create_nodegroup(
        clusterName=CLUSTER,
        nodegroupName=name,
        nodeRole=ROLE,
        subnets=["subnet-1"],
        instanceTypes=["p4d.24xlarge"],
        scalingConfig={"minSize": 1, "maxSize": 6, "desiredSize": 2},
    )
    return name


def client(url: str, timeout_seconds: float = 2.0) -> EksClient:
    return EksClient(
        REGION,
        endpoint_url=url,
        access_key_id=ACCESS_KEY,
        secret_access_key=SECRET_KEY,
        timeout_seconds=timeout_seconds,
    )


def test_the_seeded_gpu_node_group_reads_back_with_its_sizes(eks):
    assert eks.nodegroup(CLUSTER, NODEGROUP) == NodeGroup(
        name=NODEGROUP,
        status="ACTIVE",
        min_size=1,
        max_size=6,
        desired_size=2,
        instance_types=["p4d.24xlarge"],
    )


def test_listing_the_cluster_names_the_gpu_node_group(eks):
    assert NODEGROUP in eks.list_nodegroups(CLUSTER)


def test_resizing_to_three_nodes_shows_in_the_node_group(eks, spare_group):
    eks.resize(CLUSTER, spare_group, 3)
    group = eks.nodegroup(CLUSTER, spare_group)
    assert (group.min_size, group.desired_size, group.max_size) == (1, 3, 6)


def test_resizing_can_move_the_bounds_with_the_desired_size(eks, spare_group):
    eks.resize(CLUSTER, spare_group, 8, min_size=2, max_size=8)
    group = eks.nodegroup(CLUSTER, spare_group)
    assert (group.min_size, group.desired_size, group.max_size) == (2, 8, 8)


def test_a_resize_without_describe_update_is_judged_successful_from_the_node_group(eks, spare_group):
    update_id = eks.resize(CLUSTER, spare_group, 3)
    status = eks.update_status(CLUSTER, spare_group, update_id, expected=Scaling(desired_size=3))
    assert status == UpdateStatus(id=update_id, status="Successful", errors=[])


def test_a_resize_overtaken_by_another_is_judged_failed_with_both_sizes(eks, spare_group):
    update_id = eks.resize(CLUSTER, spare_group, 3)
    eks.resize(CLUSTER, spare_group, 4)
    status = eks.update_status(CLUSTER, spare_group, update_id, expected=Scaling(desired_size=3))
    assert status == UpdateStatus(
        id=update_id,
        status="Failed",
        errors=[f"node group {spare_group} is ACTIVE at desired 4 (min 1, max 6), not desired 3"],
    )


def test_without_describe_update_or_the_requested_sizes_the_status_is_an_error(eks, spare_group):
    update_id = eks.resize(CLUSTER, spare_group, 3)
    with pytest.raises(IntegrationError, match="cannot describe update"):
        eks.update_status(CLUSTER, spare_group, update_id)


def test_an_unknown_node_group_is_not_found_by_name(eks):
    with pytest.raises(NotFound, match="node group 'h100-node-group' in cluster 'llm-platform-production'"):
        eks.nodegroup(CLUSTER, "h100-node-group")


def test_resizing_an_unknown_node_group_is_not_found(eks):
    with pytest.raises(NotFound, match="h100-node-group"):
        eks.resize(CLUSTER, "h100-node-group", 3)


def test_a_negative_size_is_refused_before_anything_is_sent(eks):
    with pytest.raises(IntegrationError, match="desiredSize"):
        eks.resize(CLUSTER, NODEGROUP, -1)


def test_a_closed_port_is_unavailable_within_a_second():
    began = time.monotonic()
    with pytest.raises(Unavailable, match="EKS could not be reached"):
        client(f"http://127.0.0.1:{closed_port()}").nodegroup(CLUSTER, NODEGROUP)
    assert time.monotonic() - began < 1


# What moto lacks, from a stand-in that answers the way EKS documents.


class FakeEks(StubServer):
    """UpdateNodegroupConfig with EKS' size checks, and DescribeUpdate: an update is InProgress on
    its first read, then Successful, or Failed when more nodes were asked for than `capacity`."""

    def __init__(self, capacity: int = 4):
        super().__init__("eks")
        self.capacity = capacity
        self.updates: dict[str, dict] = {}
        self.route("POST", r"/clusters/[^/]+/node-groups/[^/]+/update-config", self._update_config)
        self.route("GET", r"/clusters/[^/]+/updates/(?P<id>[^/]+)", self._describe_update)

    def _update_config(self, req: Request) -> Response:
        desired = req.json()["scalingConfig"]["desiredSize"]
        if desired > 6:
            return Response(
                400,
                {"message": f"desired capacity {desired} can't be greater than max size 6"},
                headers={"x-amzn-ErrorType": "InvalidParameterException"},
            )
        update = {
            "id": f"update-{len(self.updates)}",
            "status": "InProgress",
            "type": "ConfigUpdate",
            "errors": [],
            "desired": desired,
        }
        self.updates[update["id"]] = update
        return Response(200, {"update": update})

    def _describe_update(self, req: Request) -> Response:
        update = self.updates[req.params["id"]]
        answer = dict(update)
        if update["desired"] > self.capacity:
            update.update(
                status="Failed",
                errors=[
                    {
                        "errorCode": "NodeCreationFailure",
                        "errorMessage": "Instances failed to join the kubernetes cluster",
                    }
                ],
            )
        else:
            update["status"] = "Successful"
        return Response(200, {"update": answer})


@pytest.fixture(scope="module")
def fake_eks():
    fake = FakeEks()
    fake.start()
    yield client(fake.url)
    fake.stop()


def test_describe_update_is_followed_from_in_progress_to_successful(fake_eks):
    update_id = fake_eks.resize(CLUSTER, NODEGROUP, 3)
    seen = [fake_eks.update_status(CLUSTER, NODEGROUP, update_id).status for _ in range(2)]
    assert seen == ["InProgress", "Successful"]


def test_a_failed_update_carries_eks_error_codes_and_messages(fake_eks):
    update_id = fake_eks.resize(CLUSTER, NODEGROUP, 6)
    fake_eks.update_status(CLUSTER, NODEGROUP, update_id)
    assert fake_eks.update_status(CLUSTER, NODEGROUP, update_id) == UpdateStatus(
        id=update_id,
        status="Failed",
        errors=["NodeCreationFailure: Instances failed to join the kubernetes cluster"],
    )


def test_a_resize_eks_rejects_carries_eks_own_message(fake_eks):
    with pytest.raises(IntegrationError, match="desired capacity 7 can't be greater than max size 6"):
        fake_eks.resize(CLUSTER, NODEGROUP, 7)


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
