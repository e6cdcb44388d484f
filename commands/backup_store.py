"""Where Qdrant backups live in S3 and how they are named (`qdrant/qdrant-YYYYMMDD.snapshot`, or
`qdrant/qdrant-<collection>-YYYYMMDD.snapshot` for a collection other than the default): the date in
the name is the backup's day, which the listing, `latest` and retention go by."""

from __future__ import annotations

import re
from datetime import date, datetime

from pydantic import BaseModel

from commands.data_settings import BackupSettings
from commands.deps import Deps

NAME = re.compile(r"^qdrant-(?:(?P<collection>[\w-]+)-)?(?P<day>\d{8})\.snapshot$")


class Backup(BaseModel):
    key: str
    name: str
    collection: str
    day: date
    size: int
    modified: datetime


def key_for(settings: BackupSettings, collection: str, day: date) -> str:
    middle = "" if collection == settings.collection else f"{collection}-"
    return f"{settings.prefix}qdrant-{middle}{day:%Y%m%d}.snapshot"


def backups(deps: Deps, collection: str | None = None) -> list[Backup]:
    """Every object under the prefix named like a backup, newest first; other objects are ignored."""
    settings, found = deps.backups, []
    for obj in deps.s3.list(settings.bucket, settings.prefix):
        name = obj.key[len(settings.prefix) :]
        match = NAME.match(name)
        if match is None:
            continue
        backup = Backup(
            key=obj.key,
            name=name,
            collection=match["collection"] or settings.collection,
            day=datetime.strptime(match["day"], "%Y%m%d").date(),
            size=obj.size,
            modified=obj.modified,
        )
        if collection is None or backup.collection == collection:
            found.append(backup)
    return sorted(found, key=lambda b: (b.day, b.modified), reverse=True)


def location(settings: BackupSettings, key: str) -> str:
    return f"s3://{settings.bucket}/{key}"


def size(n: int) -> str:
    for unit in ("bytes", "KiB", "MiB", "GiB"):
        if n < 1024 or unit == "GiB":
            return f"{n:,} {unit}" if unit == "bytes" else f"{n:,.1f} {unit}"
        n /= 1024
    return f"{n:,.1f} TiB"
