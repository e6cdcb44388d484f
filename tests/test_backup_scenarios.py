"""`/llm backup qdrant`, `/llm backups` and `/llm restore qdrant` end to end over signed HTTP against
the sandbox (Qdrant stand-in, moto S3), with Qdrant dying mid-transfer and S3 refusing or absent."""

import hashlib
from datetime import datetime, timezone

import pytest

from bot.changes.card import APPROVE
from sandbox import aws
from sandbox.httpstub import Response, StubServer
from sandbox.platform import free_port
from tests.data_helpers import (
    CHANNEL,
    RunningClock,
    backup_keys,
    clear_backups,
    outcome,
    progress_texts,
    seed_backup,
)
from tests.report_helpers import ask, text_of
from tests.support import start_bot
from tests.test_approvals import card_of

MARCH = datetime(2025, 3, 1, 18, 0, tzinfo=timezone.utc)


@pytest.fixture(autouse=True)
def empty_bucket(sandbox):
    clear_backups(sandbox)
    sandbox.qdrant.set_points("enterprise_knowledge", 48_213)
    yield
    sandbox.qdrant.fail_download_after(None)
    clear_backups(sandbox)


@pytest.fixture
def march_bot(sandbox, tmp_path):
    running = start_bot(sandbox, tmp_path / "db.sqlite", RunningClock(MARCH))
    yield running
    running.server.stop()


def test_backup_streams_a_checksum_verified_snapshot_to_s3_in_parts(march_bot, sandbox):
    assert march_bot.slash("backup qdrant").json()["text"] == "⏳ Working on `/llm backup qdrant`…"
    done = outcome(march_bot)
    assert (
        done["text"]
        == "✅ Backed up enterprise_knowledge: 300.0 KiB at s3://llm-platform-backups/qdrant/qdrant-20250301.snapshot."
    )
    stored = sandbox.aws.client("s3").get_object(
        Bucket=aws.BACKUP_BUCKET, Key="qdrant/qdrant-20250301.snapshot"
    )
    body = stored["Body"].read()
    name = stored["Metadata"]["qdrant-snapshot"]
    assert stored["Metadata"] == {
        "collection": "enterprise_knowledge",
        "points": "48213",
        "sha256": hashlib.sha256(body).hexdigest(),
        "qdrant-snapshot": name,
    }
    assert len(body) == 300 * 1024
    assert progress_texts(march_bot)[-1] == f"▶️ Copying {name} to S3: 300.0 KiB of 300.0 KiB (100%)"
    assert "uploaded in parts" in text_of(done)
    assert march_bot.rejected() == []


def test_qdrant_dying_mid_transfer_leaves_no_backup_and_deletes_nothing(march_bot, sandbox):
    seed_backup(sandbox, "qdrant-20250101.snapshot")
    sandbox.qdrant.fail_download_after(200_000)
    march_bot.slash("backup qdrant")
    assert outcome(march_bot)["text"].startswith(
        "💥 Qdrant is unavailable: the snapshot download broke off after"
    )
    assert backup_keys(sandbox) == ["qdrant/qdrant-20250101.snapshot"]  # no partial object, retention not run
    assert sandbox.aws.client("s3").list_multipart_uploads(Bucket=aws.BACKUP_BUCKET).get("Uploads", []) == []


def test_after_a_good_backup_retention_deletes_old_backups_but_keeps_recent_ones(march_bot, sandbox):
    for name in ("qdrant-20250101.snapshot", "qdrant-20250220.snapshot", "qdrant-search-20240101.snapshot"):
        seed_backup(sandbox, name)
    march_bot.slash("backup qdrant")
    assert "removed 1 older than 30 days: qdrant-20250101.snapshot" in text_of(outcome(march_bot))
    assert backup_keys(sandbox) == [
        "qdrant/qdrant-20250220.snapshot",
        "qdrant/qdrant-20250301.snapshot",
        "qdrant/qdrant-search-20240101.snapshot",
    ]  # another collection's own rule


def test_backups_lists_newest_first_with_size_and_age(march_bot, sandbox):
    seed_backup(sandbox, "qdrant-20250220.snapshot", b"x" * 2048)
    seed_backup(sandbox, "qdrant-20250228.snapshot", b"x" * 4096)
    seed_backup(sandbox, "notes.txt")
    answer, _ = ask(march_bot, "backups")
    assert text_of(answer) == (
        "Qdrant backups\n2 in `s3://llm-platform-backups/qdrant/`\n"
        "• `qdrant-20250228.snapshot  4.0 KiB, 1 day old  ⭐ newest`\n"
        "• `qdrant-20250220.snapshot  2.0 KiB, 9 days old`\n"
        "Kept 30 days (never the newest) · daily at 03:00 America/Los_Angeles"
    )


def test_backups_says_when_there_are_none(bot):
    answer, _ = ask(bot, "backups")
    assert "No backups in `s3://llm-platform-backups/qdrant/` yet." in text_of(answer)


def test_restore_waits_for_approval_then_recovers_the_collection_and_checks_its_points(march_bot, sandbox):
    march_bot.slash("backup qdrant")
    outcome(march_bot)
    sandbox.qdrant.set_points("enterprise_knowledge", 12)  # the data loss the restore repairs
    march_bot.slash("restore qdrant latest")
    card = card_of(march_bot)
    assert "`qdrant collection/enterprise_knowledge points: 12 → 48,213`" in text_of(card)
    assert sandbox.qdrant.collection("enterprise_knowledge")["points_count"] == 12
    march_bot.click(card, APPROVE, "U0OPS2")
    restored = march_bot.wait_for_posts(
        channel=CHANNEL,
        timeout=30,
        where=lambda m: (
            m["kind"] == "post" and (m["text"] or "").startswith("✅ enterprise_knowledge restored")
        ),
    )
    assert (
        restored[0]["text"]
        == "✅ enterprise_knowledge restored from qdrant-20250301.snapshot: 48,213 points, as backed up."
    )
    assert sandbox.qdrant.collection("enterprise_knowledge")["points_count"] == 48_213
    assert march_bot.rejected() == []


def test_restore_of_a_backup_that_does_not_exist_says_how_to_find_one(bot):
    answer, _ = ask(bot, "restore qdrant qdrant-19990101.snapshot", user="U0OPS1")
    assert answer["text"].startswith(
        "⚠️ There is no backup `qdrant-19990101.snapshot`; `/llm backups` lists them."
    )


def test_backup_of_an_unknown_collection_is_a_usage_error(bot):
    answer, _ = ask(bot, "backup qdrant nope", user="U0OPS1")
    assert answer["text"].startswith("⚠️ Qdrant has no collection `nope`.")


def test_s3_refusing_our_credentials_is_reported_and_nothing_is_recorded(sandbox, tmp_path):
    denied = StubServer("s3-denied")
    body = "<Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>"
    for method in ("GET", "PUT", "POST", "HEAD", "DELETE"):
        denied.route(method, r"/.*", lambda req: Response(403, body, content_type="application/xml"))
    denied.start()
    running = start_bot(sandbox, tmp_path / "db.sqlite", aws={"endpoints": {"s3": denied.url}})
    try:
        answer, _ = ask(running, "backup qdrant", user="U0OPS1")
    finally:
        running.server.stop()
        denied.stop()
    assert (
        answer["text"]
        == "⛔ AWS refused the request: S3 refused our credentials (AccessDenied); check the IAM role."
    )
    assert backup_keys(sandbox) == []


def test_s3_unreachable_is_reported_as_unavailable(sandbox, tmp_path):
    running = start_bot(
        sandbox, tmp_path / "db.sqlite", aws={"endpoints": {"s3": f"http://127.0.0.1:{free_port()}"}}
    )
    try:
        answer, _ = ask(running, "backups")
    finally:
        running.server.stop()
    assert answer["text"] == "❔ AWS is unavailable: S3 could not be reached. Try again in a minute."


def test_the_daily_backup_runs_at_its_time_without_anyone_asking(sandbox, tmp_path):
    clock = RunningClock(datetime(2025, 3, 1, 10, 59, 58, tzinfo=timezone.utc))  # 02:59:58 in Los Angeles
    running = start_bot(sandbox, tmp_path / "db.sqlite", clock)
    try:
        done = outcome(running)
        audited = {e.outcome for e in running.store.audit_entries() if e.verb == "backup qdrant"}
    finally:
        running.server.stop()
    assert (
        done["text"]
        == "✅ Backed up enterprise_knowledge: 300.0 KiB at s3://llm-platform-backups/qdrant/qdrant-20250301.snapshot."
    )
    assert "succeeded" in audited


def test_the_daily_backups_card_says_the_bot_asked_for_it(sandbox, tmp_path):
    clock = RunningClock(datetime(2025, 3, 1, 10, 59, 58, tzinfo=timezone.utc))  # 02:59:58 in Los Angeles
    running = start_bot(sandbox, tmp_path / "db.sqlite", clock)
    try:
        [card] = running.wait_for_posts(
            channel=CHANNEL, timeout=30, where=lambda m: m["kind"] == "post" and "Requested by" in text_of(m)
        )
        outcome(running)  # let the backup finish before the bucket is emptied
    finally:
        running.server.stop()
    assert (
        card["blocks"][1]["text"]["text"] == "*Requested by* llmbot (scheduled): `/llm backup qdrant (daily)`"
    )


def test_a_collection_name_that_is_not_a_name_is_refused_before_any_backend_call(bot, sandbox):
    before = len(sandbox.qdrant.calls())
    said = bot.slash("backup qdrant x/../../snapshots").json()["text"]
    assert "`x/../../snapshots` is not a collection name: letters, digits, - and _ only." in said
    assert len(sandbox.qdrant.calls()) == before and bot.store.jobs("pending") == []


def test_restore_refuses_a_key_that_is_not_a_backup_name_in_the_ack(bot):
    said = bot.slash("restore qdrant ../secrets/dump").json()["text"]
    assert "`../secrets/dump` is not a backup name" in said and bot.store.jobs("pending") == []


def test_after_a_verified_upload_the_snapshot_is_deleted_inside_qdrant(march_bot, sandbox):
    march_bot.slash("backup qdrant")
    done = outcome(march_bot)
    name = sandbox.aws.client("s3").head_object(
        Bucket=aws.BACKUP_BUCKET, Key="qdrant/qdrant-20250301.snapshot"
    )["Metadata"]["qdrant-snapshot"]
    assert name not in [x["name"] for x in sandbox.qdrant.snapshots("enterprise_knowledge")]  # disk kept free
    deleted = [c for c in sandbox.qdrant.calls() if c["method"] == "DELETE"]
    assert deleted[-1] == {
        "method": "DELETE",
        "path": f"/collections/enterprise_knowledge/snapshots/{name}",
        "status": 200,
    }
    assert "snapshot deleted from Qdrant's disk" in text_of(done)


def test_a_download_that_breaks_off_leaves_the_snapshot_inside_qdrant(march_bot, sandbox):
    before = {x["name"] for x in sandbox.qdrant.snapshots("enterprise_knowledge")}
    sandbox.qdrant.fail_download_after(200_000)
    march_bot.slash("backup qdrant")
    outcome(march_bot)
    after = {x["name"] for x in sandbox.qdrant.snapshots("enterprise_knowledge")}
    assert len(after - before) == 1  # S3 has no copy, so Qdrant's is not deleted


def test_daily_files_are_named_by_the_configured_zones_date(sandbox, tmp_path):
    # 23:30 on 1 March in Los Angeles is already 2 March in UTC: the file is named for 1 March
    clock = RunningClock(datetime(2025, 3, 2, 7, 29, 58, tzinfo=timezone.utc))
    running = start_bot(sandbox, tmp_path / "db.sqlite", clock, backups={"daily_at": "23:30"})
    try:
        done = outcome(running)
    finally:
        running.server.stop()
    assert done["text"].endswith("at s3://llm-platform-backups/qdrant/qdrant-20250301.snapshot.")
    assert backup_keys(sandbox) == ["qdrant/qdrant-20250301.snapshot"]
