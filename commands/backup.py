"""`/llm backup qdrant [collection]`: a Qdrant snapshot streamed to S3 and checked against Qdrant's
sha256 before the upload is completed; then the snapshot is deleted inside Qdrant (so qdrant-0's disk does
not fill) and retention runs. Files are named by the date in `backups.zone`. A change with a zero-approval
default policy:
it writes to and deletes from the backup bucket, and the approval engine gives it a durable run,
an audit row and one progress message. Before it runs it re-checks that the collection still exists."""

from __future__ import annotations

import hashlib
import re
from datetime import date, timedelta
from typing import Iterator
from zoneinfo import ZoneInfo

from pydantic import BaseModel, field_validator

from commands.backup_store import backups, key_for, location, size
from commands.blockkit import code
from commands.change import Change, ChangeOutcome, ChangePlan, Progress
from commands.deps import Deps
from commands.errors import CommandError
from commands.spec import DRY_RUN, Arg, ChangeRequest, CommandSpec
from integrations.errors import IntegrationError, NotFound, Unavailable
from integrations.qdrant import SnapshotInfo

COLLECTION = re.compile(r"^[A-Za-z0-9_-]{1,255}$")


class BackupQdrantRequest(ChangeRequest):
    collection: str | None = None  # None: backups.collection

    @field_validator("collection")
    @classmethod
    def _a_name(cls, collection: str | None) -> str | None:
        if collection is not None and not COLLECTION.match(collection):
            raise ValueError(
                f"{code(collection[:60])} is not a collection name: letters, digits, - and _ only."
            )
        return collection


class BackupQdrantPlan(BaseModel):
    collection: str  # planned against: it exists
    key: str  # the target: a verified backup at this key
    points: int  # when planned


def plan(request: BackupQdrantRequest, deps: Deps) -> ChangePlan:
    settings = deps.backups
    collection = request.collection or settings.collection
    points = collection_points(deps, collection)
    key = key_for(settings, collection, backup_day(deps))
    found = backups(deps, collection)
    today = next((b for b in found if b.key == key), None)
    health = [
        f"{collection}: {points:,} points",
        f"latest backup: {found[0].name} ({size(found[0].size)})" if found else "no backup yet",
    ]
    return ChangePlan(
        title=f"Back up Qdrant collection {collection}",
        changes=[
            Change(
                target=location(settings, key),
                field="snapshot",
                old=f"{size(today.size)} from earlier today" if today else "none",
                new=f"{collection}, {points:,} points",
            )
        ],
        health=health,
        warnings=["Replaces today's earlier backup once the new one is verified."] if today else [],
        data=BackupQdrantPlan(collection=collection, key=key, points=points),
    )


def collection_points(deps: Deps, collection: str) -> int:
    try:
        return deps.qdrant.points(collection)
    except NotFound:
        raise CommandError(f"Qdrant has no collection {code(collection)}.") from None


def check(plan: ChangePlan, deps: Deps) -> list[str]:
    """Points come and go (that is what a backup keeps); the collection itself must still be there."""
    data: BackupQdrantPlan = plan.data
    try:
        deps.qdrant.points(data.collection)
    except NotFound:
        return [f"Qdrant has no collection {data.collection} any more (it had {data.points:,} points)"]
    return []


def apply(plan: ChangePlan, deps: Deps, progress: Progress) -> ChangeOutcome:
    data: BackupQdrantPlan = plan.data
    settings, collection, key = deps.backups, data.collection, data.key
    points = deps.qdrant.points(collection)
    snapshot = deps.qdrant.create_snapshot(collection)
    progress(f"Snapshot {snapshot.name} ({size(snapshot.size)}) created; copying it to S3")
    metadata = {
        "collection": collection,
        "points": str(points),
        "sha256": snapshot.checksum or "",
        "qdrant-snapshot": snapshot.name,
    }
    stored = deps.s3.upload(
        settings.bucket,
        key,
        verified(deps.qdrant.download(collection, snapshot.name), snapshot),
        metadata,
        settings.multipart_threshold_bytes,
        settings.part_size_bytes,
        lambda done: progress(f"Copying {snapshot.name} to S3: {_share(done, snapshot.size)}"),
    )
    cleaned = tidy_qdrant(deps, collection, snapshot.name)
    removed = expire(deps, collection, key)
    multipart = stored >= settings.multipart_threshold_bytes
    details = [
        f"{points:,} points, Qdrant snapshot {snapshot.name}",
        "sha256 matches Qdrant's" if snapshot.checksum else "Qdrant gave no checksum; size checked only",
        "uploaded in parts" if multipart else "uploaded in one request",
        cleaned,
    ]
    if removed:
        details.append(
            f"removed {len(removed)} older than {settings.retention_days} days: " + ", ".join(removed)
        )
    return ChangeOutcome(
        ok=True,
        summary=f"Backed up {collection}: {size(stored)} at {location(settings, key)}.",
        details=details,
    )


def verified(chunks: Iterator[bytes], snapshot: SnapshotInfo) -> Iterator[bytes]:
    """The chunks, passed on; at the end of the stream the size and sha256 must match what Qdrant
    reported, or the stream fails, and the upload consuming it is abandoned before completion."""
    digest, received = hashlib.sha256(), 0
    for chunk in chunks:
        digest.update(chunk)
        received += len(chunk)
        yield chunk
    if received != snapshot.size:
        raise Unavailable("qdrant", f"the snapshot download ended at {received:,} of {snapshot.size:,} bytes")
    if snapshot.checksum and digest.hexdigest() != snapshot.checksum:
        raise Unavailable("qdrant", "the downloaded snapshot does not match Qdrant's sha256")


def backup_day(deps: Deps) -> date:
    """The backup's day: the date in `backups.zone` (a 03:00 Pacific backup is that Pacific day's)."""
    return deps.now().astimezone(ZoneInfo(deps.backups.zone)).date()


def tidy_qdrant(deps: Deps, collection: str, snapshot: str) -> str:
    """Remove the snapshot from Qdrant's own disk now that S3 holds a verified copy. A failure here
    leaves a good backup, so it is said, not raised."""
    try:
        deps.qdrant.delete_snapshot(collection, snapshot)
    except NotFound:
        return "the snapshot was already gone from Qdrant's disk"
    except IntegrationError as exc:
        return f"⚠️ could not delete {snapshot} from Qdrant's disk ({exc.message}); delete it by hand"
    return "snapshot deleted from Qdrant's disk"


def expire(deps: Deps, collection: str, keep: str) -> list[str]:
    """Delete this collection's backups older than the retention, never the newest nor `keep`."""
    cutoff = backup_day(deps) - timedelta(days=deps.backups.retention_days)
    old = [b for b in backups(deps, collection)[1:] if b.day < cutoff and b.key != keep]
    for backup in old:
        deps.s3.delete(deps.backups.bucket, backup.key)
    return [b.name for b in old]


def _share(done: int, total: int) -> str:
    return f"{size(done)} of {size(total)} ({100 * done // max(total, 1)}%)"


SPEC = CommandSpec(
    name="backup qdrant",
    summary="Snapshot a Qdrant collection to S3, checksum-verified (runs without approval by default)",
    example="/llm backup qdrant enterprise_knowledge",
    role="operator",
    changes=True,
    args=(Arg("collection", "the collection; default from backups.collection", required=False),),
    options=(DRY_RUN,),
    request=BackupQdrantRequest,
    plan_data=BackupQdrantPlan,
    plan=plan,
    check=check,
    apply=apply,
    details="Stored at s3://<backups.bucket>/qdrant/qdrant-YYYYMMDD.snapshot (the date in backups.zone); a "
    "transfer that fails leaves nothing behind. Afterwards the snapshot is deleted inside Qdrant and backups "
    "older than backups.retention_days go (never the newest).",
)
