"""`/llm backups`: the Qdrant backups in S3 with size and age, newest marked; a long list also goes
out as a file."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel

from commands.backup import backup_day
from commands.backup_store import Backup, backups, size
from commands.blockkit import code
from commands.deps import Deps
from commands.spec import CommandSpec, FileOut, Request

SHOWN = 15


class BackupList(BaseModel):
    location: str
    backups: list[Backup]  # newest first
    at: datetime
    today: date | None = None  # the date in backups.zone, which backup names go by
    retention_days: int
    schedule: str


class BackupsRequest(Request):
    pass


def run(request: BackupsRequest, deps: Deps) -> BackupList:
    s = deps.backups
    schedule = f"daily at {s.daily_at} {s.zone}" if s.daily else "no daily backup"
    return BackupList(
        location=f"s3://{s.bucket}/{s.prefix}",
        backups=backups(deps),
        at=deps.now(),
        today=backup_day(deps),
        retention_days=s.retention_days,
        schedule=schedule,
    )


def _age(result: BackupList, backup: Backup) -> str:
    days = ((result.today or result.at.date()) - backup.day).days
    return "today" if days <= 0 else "1 day old" if days == 1 else f"{days} days old"


def _line(result: BackupList, backup: Backup, newest: set[str]) -> str:
    mark = "  ⭐ newest" if backup.key in newest else ""
    return f"{backup.name}  {size(backup.size)}, {_age(result, backup)}{mark}"


def _newest(result: BackupList) -> set[str]:
    """The newest backup of each collection (the list is newest first)."""
    seen: dict[str, str] = {}
    for backup in result.backups:
        seen.setdefault(backup.collection, backup.key)
    return set(seen.values())


def render(result: BackupList) -> list[dict]:
    blocks: list[dict] = [{"type": "header", "text": {"type": "plain_text", "text": "Qdrant backups"}}]
    if not result.backups:
        text = f"No backups in {code(result.location)} yet. `/llm backup qdrant` makes one."
    else:
        newest = _newest(result)
        lines = [f"• {code(_line(result, b, newest))}" for b in result.backups[:SHOWN]]
        more = len(result.backups) - SHOWN
        text = f"{len(result.backups)} in {code(result.location)}\n" + "\n".join(lines)
        text += f"\n…and {more} more in the attached file." if more > 0 else ""
    blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": text[:2900]}})
    footer = f"Kept {result.retention_days} days (never the newest) · {result.schedule}"
    blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": footer}]})
    return blocks


def render_text(result: BackupList) -> str:
    if not result.backups:
        return f"No backups in {result.location} yet."
    newest = _newest(result)
    return "\n".join(
        [f"Qdrant backups in {result.location}"] + [_line(result, b, newest) for b in result.backups]
    )


def files(result: BackupList) -> list[FileOut]:
    if len(result.backups) <= SHOWN:
        return []
    return [FileOut("qdrant-backups.txt", "Qdrant backups", render_text(result))]


SPEC = CommandSpec(
    name="backups",
    summary="List the Qdrant backups in S3 with size and age",
    example="/llm backups",
    request=BackupsRequest,
    run=run,
    render=render,
    render_text=render_text,
    files=files,
)
