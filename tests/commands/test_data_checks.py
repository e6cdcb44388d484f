"""The checks of the node-group, maintenance, backup, restore and index changes: each names what moved
since its plan and stays quiet when a resumed run finds the change's own target. Through the real
clients and the bot's calendar, against the sandbox (moto's EKS and S3, Qdrant, Kubernetes)."""

import json

from commands import backup, drain, drain_finish, index, nodes, restore
from commands.change import ChangePlan
from sandbox import aws
from tests.commands.conftest import cloned
from tests.data_helpers import clear_backups
from tests.kube_support import NS


def set_desired(sandbox, desired: int) -> None:
    sandbox.aws.client("eks").update_nodegroup_config(
        clusterName=aws.CLUSTER, nodegroupName=aws.NODEGROUP, scalingConfig={"desiredSize": desired}
    )


def test_nodes_scale_names_a_desired_size_someone_else_set_and_ignores_its_own(deps, sandbox):
    plan = nodes.plan(nodes.NodesScaleRequest(nodegroup=aws.NODEGROUP, desired=3), deps)
    try:
        assert nodes.check(plan, deps) == []
        set_desired(sandbox, 4)
        assert nodes.check(plan, deps) == [
            f"{aws.NODEGROUP} has desired 4 (min 1, max 6) now, planned against desired 2 (min 1, max 6)"
        ]
        set_desired(sandbox, 3)  # resized before a restart
        assert nodes.check(plan, deps) == []
    finally:
        set_desired(sandbox, 2)


def test_maintenance_start_names_a_changed_count_or_another_drain_and_ignores_its_own(deps, kube):
    with cloned(kube, "chk-drain", replicas=2):
        plan = drain.plan_start(drain.MaintenanceStartRequest(requester="U0OPS1"), deps)
        assert plan.data.counts["chk-drain"] == 2 and drain.check_start(plan, deps) == []
        kube.scale_deployment(NS, "chk-drain", 5)
        assert drain.check_start(plan, deps) == ["chk-drain has 5 replicas now, planned against 2"]
        recorded = deps.calendar.record_drain(plan.data.window_key, plan.data.counts, "U0OPS1")
        kube.scale_deployment(NS, "chk-drain", 0)  # recorded and drained before a restart
        assert drain.check_start(plan, deps) == []
        deps.calendar.restored(recorded.id, "test window", "closed by the test")
        other = deps.calendar.record_drain("adhoc-other", {"rag-service": 3}, "U0OPS2")
        try:
            assert drain.check_start(plan, deps) == [
                "the platform was drained meanwhile (recorded: rag-service 3)"
            ]
        finally:
            deps.calendar.restored(other.id, "test window", "closed by the test")


def test_maintenance_finish_names_a_changed_count_or_a_closed_drain_and_ignores_its_own(deps, kube):
    with cloned(kube, "chk-drain", replicas=0):
        recorded = deps.calendar.record_drain("adhoc-chk", {"chk-drain": 2}, "U0OPS1")
        try:
            plan = drain_finish.plan_finish(drain_finish.MaintenanceFinishRequest(), deps)
            assert drain_finish.check_finish(plan, deps) == []
            kube.scale_deployment(NS, "chk-drain", 4)
            assert drain_finish.check_finish(plan, deps) == [
                "chk-drain has 4 replicas now, planned against 0"
            ]
            kube.scale_deployment(NS, "chk-drain", 2)  # restored before a restart
            assert drain_finish.check_finish(plan, deps) == []
        finally:
            deps.calendar.restored(recorded.id, "test window", "closed by the test")
        assert drain_finish.check_finish(plan, deps) == []  # this run closed it: nothing left but to report
        kube.scale_deployment(NS, "chk-drain", 1)
        assert drain_finish.check_finish(plan, deps) == [
            f"the drain #{recorded.id} was closed meanwhile (maintenance finished by someone else?)"
        ]


def test_backup_names_a_collection_that_is_gone_and_not_its_changing_points(deps, sandbox):
    plan = backup.plan(backup.BackupQdrantRequest(), deps)
    try:
        sandbox.qdrant.set_points("enterprise_knowledge", 50_000)  # what a backup is for
        assert backup.check(plan, deps) == []
    finally:
        sandbox.qdrant.set_points("enterprise_knowledge", 48_213)
    gone = backup.BackupQdrantPlan(
        collection="retired_docs", key="qdrant/qdrant-retired_docs-20250101.snapshot", points=10
    )
    planned = ChangePlan(title="Back up Qdrant collection retired_docs", changes=[], data=gone)
    assert backup.check(planned, deps) == [
        "Qdrant has no collection retired_docs any more (it had 10 points)"
    ]


def test_restore_names_new_points_or_a_replaced_backup_and_ignores_the_restored_collection(deps, sandbox):
    s3, key = sandbox.aws.client("s3"), "qdrant/qdrant-20250101.snapshot"
    meta = {"collection": "enterprise_knowledge", "points": "40000", "sha256": "ab" * 32}
    s3.put_object(Bucket=aws.BACKUP_BUCKET, Key=key, Body=b"a snapshot", Metadata=meta)
    try:
        plan = restore.plan(restore.RestoreQdrantRequest(snapshot="qdrant-20250101.snapshot"), deps)
        assert restore.check(plan, deps) == []
        sandbox.qdrant.set_points("enterprise_knowledge", 50_000)
        assert restore.check(plan, deps) == [
            "enterprise_knowledge has 50,000 points now, planned against 48,213 points: "
            "what was written since would be lost too"
        ]
        sandbox.qdrant.set_points("enterprise_knowledge", 40_000)  # restored before a restart
        assert restore.check(plan, deps) == []
        s3.put_object(Bucket=aws.BACKUP_BUCKET, Key=key, Body=b"another snapshot", Metadata=meta)
        assert restore.check(plan, deps) == [
            "the backup qdrant-20250101.snapshot was replaced since it was planned (16 bytes now, 10 then)"
        ]
        s3.delete_object(Bucket=aws.BACKUP_BUCKET, Key=key)
        assert restore.check(plan, deps) == ["the backup qdrant-20250101.snapshot no longer exists"]
    finally:
        sandbox.qdrant.set_points("enterprise_knowledge", 48_213)
        clear_backups(sandbox)


def test_index_names_a_file_that_changed_since_it_was_checked(deps, sandbox):
    s3, key = sandbox.aws.client("s3"), "checks/handbook.jsonl"
    lines = [json.dumps({"id": f"kb-{i}", "text": f"page {i}"}) for i in range(3)]
    s3.put_object(Bucket=aws.UPLOAD_BUCKET, Key=key, Body="\n".join(lines).encode())
    try:
        plan = index.plan(index.IndexRequest(source=f"s3://{aws.UPLOAD_BUCKET}/{key}"), deps)
        assert index.check(plan, deps) == []  # the same file: a resumed run goes on where it stopped
        s3.put_object(Bucket=aws.UPLOAD_BUCKET, Key=key, Body="\n".join(lines[:2]).encode())
        assert index.check(plan, deps) == ["handbook.jsonl changed since it was checked (its sha256 differs)"]
    finally:
        s3.delete_object(Bucket=aws.UPLOAD_BUCKET, Key=key)
