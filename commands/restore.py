"""`/llm restore qdrant <snapshot>`: recover a collection from a backup in S3 (needs approval). The
snapshot is downloaded and checked against the sha256 recorded at backup time, uploaded to Qdrant
(which checks it again before replacing anything), and the points count is compared afterwards."""

from __future__ import annotations

import hashlib
import tempfile

from commands.backup import collection_points
from commands.backup_store import NAME, Backup, backups, location, size
from commands.change import Change, ChangeOutcome, ChangePlan, Progress
from commands.deps import Deps
from commands.errors import CommandError
from commands.spec import DRY_RUN, Arg, CommandSpec
from integrations.errors import NotFound

SPOOL_BYTES = 16 * 1024 * 1024  # snapshots larger than this wait on disk, not in memory


def plan(args: dict, deps: Deps) -> ChangePlan:
    settings = deps.backups
    key = _key(args["snapshot"], deps)
    try:
        head = deps.s3.head(settings.bucket, key)
    except NotFound:
        raise CommandError(f"There is no backup `{args['snapshot']}`; `/llm backups` lists them.") from None
    collection = head.metadata.get("collection") or settings.collection
    try:
        current = f"{collection_points(deps, collection):,}"
    except CommandError:
        current = "no collection"
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
        data={
            "key": key,
            "collection": collection,
            "points": points,
            "sha256": head.metadata.get("sha256", ""),
            "size": head.size,
        },
    )


def _key(snapshot: str, deps: Deps) -> str:
    prefix = deps.backups.prefix
    if snapshot == "latest":
        newest = _newest(deps)
        return newest.key
    name = snapshot.removeprefix(prefix)
    if not NAME.match(name):
        raise CommandError(
            f"`{snapshot[:80]}` is not a backup name; `/llm backups` lists them "
            "(e.g. qdrant-20261127.snapshot), or say `latest`."
        )
    return prefix + name


def _newest(deps: Deps) -> Backup:
    found = backups(deps, deps.backups.collection)
    if not found:
        raise CommandError("There are no backups yet; `/llm backup qdrant` makes one.")
    return found[0]


def apply(plan: ChangePlan, deps: Deps, progress: Progress) -> ChangeOutcome:
    data, settings = plan.data, deps.backups
    name = data["key"][len(settings.prefix) :]
    with tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES) as spool:
        digest = _download(deps, data, spool, progress)
        if data["sha256"] and digest != data["sha256"]:
            return ChangeOutcome(
                ok=False,
                summary=f"{name} does not match the sha256 recorded at backup; "
                f"{data['collection']} was not touched.",
            )
        spool.seek(0)
        progress(f"Uploading {name} to Qdrant and recovering {data['collection']}")
        deps.qdrant.upload(data["collection"], name, spool, digest)
    points = deps.qdrant.points(data["collection"])
    if data["points"].isdigit() and points != int(data["points"]):
        return ChangeOutcome(
            ok=False,
            summary=f"{data['collection']} was recovered from {name} but has {points:,} "
            f"points; the backup had {int(data['points']):,}.",
        )
    return ChangeOutcome(
        ok=True, summary=f"{data['collection']} restored from {name}: {points:,} points, as backed up."
    )


def _download(deps: Deps, data: dict, spool, progress: Progress) -> str:
    digest, received, step = hashlib.sha256(), 0, max(data["size"] // 4, 1)
    for chunk in deps.s3.download(deps.backups.bucket, data["key"]):
        digest.update(chunk)
        spool.write(chunk)
        if (received + len(chunk)) // step > received // step:
            progress(f"Downloading from S3: {size(received + len(chunk))} of {size(data['size'])}")
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
    plan=plan,
    apply=apply,
)
