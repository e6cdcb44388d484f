"""`/llm restore qdrant <snapshot>`: recover a collection from a backup in S3 (needs approval). The
snapshot is downloaded and checked against the sha256 recorded at backup time, uploaded to Qdrant
(which checks it again before replacing anything), and the points count is compared afterwards.
Before it runs, the backup and the collection's points are re-checked against what was approved."""

from __future__ import annotations

import hashlib
import tempfile

from pydantic import BaseModel, field_validator

from commands.backup import collection_points
from commands.backup_store import NAME, Backup, backups, location, size
from commands.blockkit import code
from commands.change import Change, ChangeOutcome, ChangePlan, Progress
from commands.deps import Deps
from commands.errors import CommandError
from commands.spec import DRY_RUN, Arg, ChangeRequest, CommandSpec
from integrations.errors import NotFound

SPOOL_BYTES = 16 * 1024 * 1024  # snapshots larger than this wait on disk, not in memory
_HELP = "`/llm backups` lists them (e.g. qdrant-20261127.snapshot), or say `latest`"


class RestoreQdrantRequest(ChangeRequest):
    snapshot: str

    @field_validator("snapshot")
    @classmethod
    def _a_backup_name(cls, snapshot: str) -> str:
        if snapshot != "latest" and not NAME.match(snapshot.rsplit("/", 1)[-1]):
            raise ValueError(f"{code(snapshot[:80])} is not a backup name; {_HELP}.")
        return snapshot


class RestoreQdrantPlan(BaseModel):
    key: str
    collection: str
    points: str  # the backup's recorded points: the target ("" when not recorded)
    sha256: str
    size: int  # the backup object as planned: replaced since means another backup
    was: int | None  # the collection's points when planned; None: no collection


def plan(request: RestoreQdrantRequest, deps: Deps) -> ChangePlan:
    settings = deps.backups
    key = _key(request.snapshot, deps)
    try:
        head = deps.s3.head(settings.bucket, key)
    except NotFound:
        raise CommandError(
            f"There is no backup {code(request.snapshot)}; `/llm backups` lists them."
        ) from None
    collection = head.metadata.get("collection") or settings.collection
    was = _points(deps, collection)
    current = "no collection" if was is None else f"{was:,}"
    points = head.metadata.get("points", "")
    return ChangePlan(
        title=f"Restore {collection} from {key[len(settings.prefix) :]}",
        changes=[
            Change(
                target=f"qdrant collection/{collection}",
                field="points",
                old=current,
                new=f"{int(points):,}" if points.isdigit() else "the backup's",
            )
        ],
        health=[
            f"backup: {location(settings, key)}, {size(head.size)}, stored {head.modified:%Y-%m-%d %H:%M} UTC"
        ],
        warnings=[f"Replaces every point in {collection}; points written since the backup are lost."]
        + ([] if head.metadata.get("sha256") else ["This backup has no recorded sha256."]),
        data=RestoreQdrantPlan(
            key=key,
            collection=collection,
            points=points,
            sha256=head.metadata.get("sha256", ""),
            size=head.size,
            was=was,
        ),
    )


def _points(deps: Deps, collection: str) -> int | None:
    try:
        return collection_points(deps, collection)
    except CommandError:
        return None


def check(plan: ChangePlan, deps: Deps) -> list[str]:
    """The same backup object, and the collection at the points it had when planned (or at the
    backup's already: a resumed run)."""
    data: RestoreQdrantPlan = plan.data
    return _backup_moved(data, deps) or _points_moved(data, deps)


def _backup_moved(data: RestoreQdrantPlan, deps: Deps) -> list[str]:
    name = data.key[len(deps.backups.prefix) :]
    try:
        head = deps.s3.head(deps.backups.bucket, data.key)
    except NotFound:
        return [f"the backup {name} no longer exists"]
    if (head.size, head.metadata.get("sha256", "")) == (data.size, data.sha256):
        return []
    return [
        f"the backup {name} was replaced since it was planned ({head.size:,} bytes now, {data.size:,} then)"
    ]


def _points_moved(data: RestoreQdrantPlan, deps: Deps) -> list[str]:
    now, target = _points(deps, data.collection), int(data.points) if data.points.isdigit() else None
    if now in (data.was, target):
        return []
    return [
        f"{data.collection} has {_count(now)} now, planned against {_count(data.was)}: "
        "what was written since would be lost too"
    ]


def _count(points: int | None) -> str:
    return "no collection" if points is None else f"{points:,} points"


def _key(snapshot: str, deps: Deps) -> str:
    prefix = deps.backups.prefix
    if snapshot == "latest":
        newest = _newest(deps)
        return newest.key
    name = snapshot.removeprefix(prefix)
    if not NAME.match(name):
        raise CommandError(f"{code(snapshot[:80])} is not a backup name; {_HELP}.")
    return prefix + name


def _newest(deps: Deps) -> Backup:
    found = backups(deps, deps.backups.collection)
    if not found:
        raise CommandError("There are no backups yet; `/llm backup qdrant` makes one.")
    return found[0]


def apply(plan: ChangePlan, deps: Deps, progress: Progress) -> ChangeOutcome:
    data: RestoreQdrantPlan = plan.data
    name = data.key[len(deps.backups.prefix) :]
    with tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES) as spool:
        digest = _download(deps, data, spool, progress)
        if data.sha256 and digest != data.sha256:
            return ChangeOutcome(
                ok=False,
                summary=f"{name} does not match the sha256 recorded at backup; "
                f"{data.collection} was not touched.",
            )
        spool.seek(0)
        progress(f"Uploading {name} to Qdrant and recovering {data.collection}")
        deps.qdrant.upload(data.collection, name, spool, digest)
    points = deps.qdrant.points(data.collection)
    if data.points.isdigit() and points != int(data.points):
        return ChangeOutcome(
            ok=False,
            summary=f"{data.collection} was recovered from {name} but has {points:,} "
            f"points; the backup had {int(data.points):,}.",
        )
    return ChangeOutcome(
        ok=True, summary=f"{data.collection} restored from {name}: {points:,} points, as backed up."
    )


def _download(deps: Deps, data: RestoreQdrantPlan, spool, progress: Progress) -> str:
    digest, received, step = hashlib.sha256(), 0, max(data.size // 4, 1)
    for chunk in deps.s3.download(deps.backups.bucket, data.key):
        digest.update(chunk)
        spool.write(chunk)
        if (received + len(chunk)) // step > received // step:
            progress(f"Downloading from S3: {size(received + len(chunk))} of {size(data.size)}")
        received += len(chunk)
    return digest.hexdigest()


SPEC = CommandSpec(
    name="restore qdrant",
    summary="Recover a Qdrant collection from a backup in S3 (needs approval)",
    example="/llm restore qdrant qdrant-20250101.snapshot",
    role="operator",
    changes=True,
    args=(Arg("snapshot", "a name from /llm backups, or `latest`"),),
    options=(DRY_RUN,),
    request=RestoreQdrantRequest,
    plan_data=RestoreQdrantPlan,
    plan=plan,
    check=check,
    apply=apply,
)
