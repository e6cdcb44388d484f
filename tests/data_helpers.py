"""Helpers for the backup and indexing scenarios: the outcome a change posts in its card's thread,
the progress message's last text, and the backup bucket emptied between tests."""

from __future__ import annotations

import time
from datetime import datetime, timedelta

from sandbox import aws

CHANNEL = "C0PLATFORM"


def outcome(bot, timeout: float = 30) -> dict:
    """The ✅ / 💥 reply the approval engine posts when a change ends."""
    [found] = bot.wait_for_posts(
        channel=CHANNEL,
        timeout=timeout,
        where=lambda m: m["kind"] == "post" and m.get("thread_ts") and (m["text"] or "")[:1] in ("✅", "💥"),
    )
    return found


def progress_texts(bot) -> list[str]:
    """Every version of the ▶️ progress message, oldest first."""
    return [m["text"] for m in bot.posted(CHANNEL) if (m["text"] or "").startswith("▶️")]


def clear_backups(sandbox) -> None:
    s3 = sandbox.aws.client("s3")
    for obj in s3.list_objects_v2(Bucket=aws.BACKUP_BUCKET, Prefix="qdrant/").get("Contents", []):
        s3.delete_object(Bucket=aws.BACKUP_BUCKET, Key=obj["Key"])
    for upload in s3.list_multipart_uploads(Bucket=aws.BACKUP_BUCKET).get("Uploads", []):
        s3.abort_multipart_upload(Bucket=aws.BACKUP_BUCKET, Key=upload["Key"], UploadId=upload["UploadId"])


def backup_keys(sandbox) -> list[str]:
    contents = (
        sandbox.aws.client("s3")
        .list_objects_v2(Bucket=aws.BACKUP_BUCKET, Prefix="qdrant/")
        .get("Contents", [])
    )
    return sorted(obj["Key"] for obj in contents)


def seed_backup(sandbox, name: str, body: bytes = b"old snapshot") -> None:
    sandbox.aws.client("s3").put_object(Bucket=aws.BACKUP_BUCKET, Key=f"qdrant/{name}", Body=body)


class RunningClock:
    """Real time moved to another date: the bot's outbox and timers keep working (a frozen clock
    would hold back every deferred post), while backup names and ages are fixed by the test."""

    def __init__(self, start: datetime):
        self._start, self._began = start, time.monotonic()

    def now(self) -> datetime:
        return self._start + timedelta(seconds=time.monotonic() - self._began)

    def time(self) -> float:
        return self.now().timestamp()
