"""Slack posts waiting to be delivered, and the messages already delivered under a key, so later
work can reply in their thread or edit them ("incident:42:root", "approval:7:card") before or after
a restart. pending -> sending -> sent | failed | superseded.

A keyed chat.postMessage is queued once: queueing it again changes nothing, so a step that runs twice
posts once. Edits of one message carry a version, one more than the newest queued for that key; only
the newest pending edit is sent, and never one older than what Slack already shows."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel

# Delivery priority inside a channel: lower goes first
PAGE, ANSWER, DETAIL, BULK = 0, 1, 2, 3
UNPACED_LANE = "~response_url"  # ephemeral answers are not channel posts: one lane, not paced


@dataclass(frozen=True)
class Post:
    """One Slack call to make: chat.postMessage, chat.update, response_url or files.upload.
    `key` names the message a postMessage creates (or the one an update edits); `thread_key`
    puts it in the thread of an earlier keyed message."""

    method: str
    channel: str
    body: dict[str, Any]
    response_url: str | None = None
    key: str | None = None
    thread_key: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    priority: int = DETAIL


class OutboxItem(BaseModel):
    id: int
    job_id: int | None
    method: str
    channel: str
    payload: dict[str, Any]
    state: str
    attempts: int
    not_before: float
    key: str | None = None
    thread_key: str | None = None
    version: int = 0
    priority: int = DETAIL
    created_at: float = 0.0


def _item(row: dict[str, Any]) -> OutboxItem:
    return OutboxItem(
        id=row["id"],
        job_id=row["job_id"],
        method=row["method"],
        channel=row["channel"],
        payload=json.loads(row["payload"]),
        state=row["state"],
        attempts=row["attempts"],
        not_before=row["not_before"],
        key=row["msg_key"],
        thread_key=row["thread_key"],
        version=row["version"] or 0,
        priority=row["priority"] if row["priority"] is not None else DETAIL,
        created_at=row["created_at"] or 0.0,
    )


class OutboxRows:
    def _create(self, db) -> None:
        db["outbox"].create(
            {
                "id": int,
                "job_id": int,
                "method": str,
                "channel": str,
                "payload": str,
                "state": str,
                "attempts": int,
                "not_before": float,
                "created_at": float,
                "sent_at": float,
                "error": str,
                "result": str,
                "msg_key": str,
                "thread_key": str,
                "version": int,
                "priority": int,
                "lane": str,
            },
            pk="id",
            if_not_exists=True,
            defaults={"attempts": 0, "error": "", "result": "", "version": 0},
        )
        db.execute("CREATE INDEX IF NOT EXISTS outbox_lane ON outbox(state, lane, priority, id)")
        db.execute("CREATE INDEX IF NOT EXISTS outbox_lane_due ON outbox(state, lane, not_before)")
        db.execute("CREATE INDEX IF NOT EXISTS outbox_key ON outbox(msg_key, version)")
        db.execute(
            "CREATE UNIQUE INDEX IF NOT EXISTS outbox_post_once ON outbox(msg_key) "
            "WHERE method='chat.postMessage' AND msg_key IS NOT NULL"
        )
        db["messages"].create(
            {"key": str, "channel": str, "ts": str, "version": int}, pk="key", if_not_exists=True
        )
        db.execute("CREATE INDEX IF NOT EXISTS messages_ts ON messages(channel, ts)")

    def _insert_post(self, conn, post: Post, now: float, job_id: int | None = None) -> int | None:
        """Queue `post` inside the caller's transaction; None when its keyed message is queued already."""
        payload = json.dumps({"body": post.body, "response_url": post.response_url, **post.extra})
        version = 1 if post.method == "chat.postMessage" else 0
        if post.key and post.method == "chat.update":
            version = conn.execute(
                "SELECT COALESCE(MAX(version), 1) + 1 FROM outbox WHERE msg_key=?", (post.key,)
            ).fetchone()[0]
        lane = UNPACED_LANE if post.method == "response_url" else post.channel
        cursor = conn.execute(
            "INSERT OR IGNORE INTO outbox (job_id, method, channel, payload, state, attempts, not_before, "
            "created_at, error, result, msg_key, thread_key, version, priority, lane) "
            "VALUES (?, ?, ?, ?, 'pending', 0, ?, ?, '', '', ?, ?, ?, ?, ?)",
            (
                job_id,
                post.method,
                post.channel,
                payload,
                now,
                now,
                post.key,
                post.thread_key,
                version,
                post.priority,
                lane,
            ),
        )
        return int(cursor.lastrowid) if cursor.rowcount == 1 else None

    def enqueue(self, post: Post, now: float) -> int | None:
        with self._transaction() as conn:
            return self._insert_post(conn, post, now)

    def due_channels(self, now: float) -> list[str]:
        """The lanes with a post due: each channel, and one lane for every ephemeral answer. A skip-scan
        over the index (one seek per lane), so a storm's backlog does not make it slow."""
        rows = self._rows(
            "WITH RECURSIVE lanes(lane) AS (SELECT MIN(lane) FROM outbox WHERE state='pending' UNION ALL "
            "SELECT (SELECT MIN(lane) FROM outbox WHERE state='pending' AND lane > lanes.lane) FROM lanes "
            "WHERE lane IS NOT NULL) SELECT lane FROM lanes WHERE lane IS NOT NULL AND EXISTS (SELECT 1 FROM "
            "outbox WHERE state='pending' AND lane=lanes.lane AND not_before<=?) "
            "UNION SELECT DISTINCT lane FROM outbox WHERE state='unsure' AND not_before<=?",
            (now, now),
        )
        return sorted(r["lane"] for r in rows)

    def due_in_channel(self, lane: str, now: float, limit: int = 20) -> list[OutboxItem]:
        """A lane's due posts: any whose delivery is unsure first (they went out before the others), then
        pages and answers, then in the order they were queued."""
        rows = self._rows(
            "SELECT * FROM outbox INDEXED BY outbox_lane_due "
            "WHERE state='unsure' AND lane=? AND not_before<=? ORDER BY id LIMIT ?",
            (lane, now, limit),
        )
        rows += self._rows(
            # walk the lane in delivery order and skip what is not due yet: no sort of the whole backlog
            "SELECT * FROM outbox INDEXED BY outbox_lane WHERE state='pending' AND lane=? AND not_before<=? "
            "ORDER BY priority, id LIMIT ?",
            (lane, now, limit - len(rows)),
        )
        return [_item(row) for row in rows]

    def due_posts(self, now: float, limit: int = 50) -> list[OutboxItem]:
        rows = self._rows(
            "SELECT * FROM outbox WHERE state='pending' AND not_before<=? ORDER BY priority, id LIMIT ?",
            (now, limit),
        )
        return [_item(row) for row in rows]

    def mark_sent(self, item_id: int, now: float, result: dict[str, Any]) -> bool:
        """pending|sending -> sent; the message a keyed post created (or the version an edit showed) is
        remembered in the same transaction."""
        with self._transaction() as conn:
            cursor = conn.execute(
                "UPDATE outbox SET state='sent', sent_at=?, result=?, attempts=attempts+1 "
                "WHERE id=? AND state IN ('pending', 'sending', 'unsure')",
                (now, json.dumps(result), item_id),
            )
            row = conn.execute(
                "SELECT method, channel, msg_key, version FROM outbox WHERE id=?", (item_id,)
            ).fetchone()
            if cursor.rowcount == 1 and row[2]:
                self._remember(conn, row, result)
        return cursor.rowcount == 1

    @staticmethod
    def _remember(conn, row: tuple, result: dict[str, Any]) -> None:
        method, channel, key, version = row
        if method == "chat.postMessage" and result.get("ts"):
            conn.execute(
                "INSERT INTO messages (key, channel, ts, version) VALUES (?, ?, ?, ?) ON CONFLICT(key) "
                "DO UPDATE SET channel=excluded.channel, ts=excluded.ts",
                (key, result.get("channel") or channel, result["ts"], version),
            )
        elif method == "chat.update":
            conn.execute("UPDATE messages SET version=MAX(version, ?) WHERE key=?", (version, key))

    def mark_sending(self, item_id: int) -> bool:
        """About to call Slack: a crash from here on leaves the post 'sending', which means ambiguous."""
        return (
            self._write(
                "UPDATE outbox SET state='sending' WHERE id=? AND state IN ('pending', 'unsure')", (item_id,)
            ).rowcount
            == 1
        )

    def ambiguous_posts(self) -> list[OutboxItem]:
        return [_item(r) for r in self._rows("SELECT * FROM outbox WHERE state='sending' ORDER BY id")]

    def defer_post(
        self, item_id: int, not_before: float, error: str, count_attempt: bool = True, unsure: bool = False
    ) -> None:
        """Try again at `not_before`. `unsure`: Slack may have it (the call's answer was lost and looking
        it up failed too), so the next attempt looks it up before it sends."""
        self._write(
            "UPDATE outbox SET state=?, not_before=?, error=?, attempts=attempts+? "
            "WHERE id=? AND state IN ('pending', 'sending', 'unsure')",
            ("unsure" if unsure else "pending", not_before, error, 1 if count_attempt else 0, item_id),
        )

    def fail_post(self, item_id: int, error: str, state: str = "failed") -> None:
        self._write(
            "UPDATE outbox SET state=?, error=?, attempts=attempts+1 "
            "WHERE id=? AND state IN ('pending', 'sending', 'unsure')",
            (state, error, item_id),
        )

    def stale_update(self, item: OutboxItem) -> bool:
        """A newer edit of the same message is queued, or Slack already shows a newer one."""
        newer = self._rows(
            "SELECT 1 FROM outbox WHERE msg_key=? AND version>? AND method='chat.update' "
            "AND state IN ('pending', 'sending', 'unsure', 'sent') LIMIT 1",
            (item.key, item.version),
        )
        return bool(newer)

    def message(self, key: str) -> tuple[str, str] | None:
        """(channel, ts) of the message posted under `key`, once Slack has it."""
        rows = self._rows("SELECT channel, ts FROM messages WHERE key=?", (key,))
        return (rows[0]["channel"], rows[0]["ts"]) if rows else None

    def message_key(self, channel: str, ts: str) -> str | None:
        """The key a delivered message was posted under (a click names only channel and ts)."""
        rows = self._rows("SELECT key FROM messages WHERE channel=? AND ts=?", (channel, ts))
        return rows[0]["key"] if rows else None

    def key_state(self, key: str) -> str | None:
        """The state of the post that creates the message `key` (pending, sending, unsure, sent, failed)."""
        rows = self._rows("SELECT state FROM outbox WHERE msg_key=? AND method='chat.postMessage'", (key,))
        return rows[0]["state"] if rows else None

    def posts(self, state: str | None = None) -> list[OutboxItem]:
        if state is None:
            return [_item(r) for r in self._rows("SELECT * FROM outbox ORDER BY id")]
        return [_item(r) for r in self._rows("SELECT * FROM outbox WHERE state=? ORDER BY id", (state,))]

    def pending_count(self) -> int:
        return self._rows("SELECT COUNT(*) AS n FROM outbox WHERE state IN ('pending', 'sending', 'unsure')")[
            0
        ]["n"]
