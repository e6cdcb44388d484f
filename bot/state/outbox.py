"""Slack posts waiting to be delivered, and the messages already delivered under a key, so later
work can reply in their thread or edit them ("incident:42:root", "approval:7:card") before or after
a restart. pending -> sent | failed | superseded."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel


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
            },
            pk="id",
            if_not_exists=True,
            defaults={"attempts": 0, "error": "", "result": ""},
        )
        db["outbox"].create_index(["state", "not_before"], if_not_exists=True)
        db["messages"].create({"key": str, "channel": str, "ts": str}, pk="key", if_not_exists=True)

    def _insert_post(self, conn, post: Post, now: float, job_id: int | None = None) -> int:
        payload = {"body": post.body, "response_url": post.response_url, **post.extra}
        cursor = conn.execute(
            "INSERT INTO outbox (job_id, method, channel, payload, state, attempts, not_before, created_at, "
            "error, result, msg_key, thread_key) VALUES (?, ?, ?, ?, 'pending', 0, ?, ?, '', '', ?, ?)",
            (job_id, post.method, post.channel, json.dumps(payload), now, now, post.key, post.thread_key),
        )
        return int(cursor.lastrowid)

    def enqueue(self, post: Post, now: float) -> int:
        with self._transaction() as conn:
            return self._insert_post(conn, post, now)

    def enqueue_post(self, method: str, channel: str, payload: dict[str, Any], now: float) -> int:
        return self.enqueue(Post(method, channel, payload["body"], payload.get("response_url")), now)

    def due_posts(self, now: float, limit: int = 50) -> list[OutboxItem]:
        rows = self._rows(
            "SELECT * FROM outbox WHERE state='pending' AND not_before<=? ORDER BY id LIMIT ?", (now, limit)
        )
        return [_item(row) for row in rows]

    def mark_sent(self, item_id: int, now: float, result: dict[str, Any]) -> bool:
        """pending -> sent; a message posted under a key is remembered in the same transaction."""
        with self._transaction() as conn:
            cursor = conn.execute(
                "UPDATE outbox SET state='sent', sent_at=?, result=?, attempts=attempts+1 "
                "WHERE id=? AND state='pending'",
                (now, json.dumps(result), item_id),
            )
            row = conn.execute(
                "SELECT method, channel, msg_key FROM outbox WHERE id=?", (item_id,)
            ).fetchone()
            if cursor.rowcount == 1 and row[0] == "chat.postMessage" and row[2] and result.get("ts"):
                conn.execute(
                    "INSERT OR REPLACE INTO messages (key, channel, ts) VALUES (?, ?, ?)",
                    (row[2], result.get("channel") or row[1], result["ts"]),
                )
        return cursor.rowcount == 1

    def defer_post(self, item_id: int, not_before: float, error: str, count_attempt: bool = True) -> None:
        self._write(
            "UPDATE outbox SET not_before=?, error=?, attempts=attempts+? WHERE id=? AND state='pending'",
            (not_before, error, 1 if count_attempt else 0, item_id),
        )

    def fail_post(self, item_id: int, error: str, state: str = "failed") -> None:
        self._write(
            "UPDATE outbox SET state=?, error=?, attempts=attempts+1 WHERE id=? AND state='pending'",
            (state, error, item_id),
        )

    def newer_update_pending(self, item: OutboxItem) -> bool:
        """A later edit of the same message is queued: this one would be overwritten at once."""
        rows = self._rows(
            "SELECT 1 FROM outbox WHERE state='pending' AND method='chat.update' AND msg_key=? "
            "AND id>? LIMIT 1",
            (item.key, item.id),
        )
        return bool(rows)

    def message(self, key: str) -> tuple[str, str] | None:
        """(channel, ts) of the message posted under `key`, once Slack has it."""
        rows = self._rows("SELECT channel, ts FROM messages WHERE key=?", (key,))
        return (rows[0]["channel"], rows[0]["ts"]) if rows else None

    def key_failed(self, key: str) -> bool:
        rows = self._rows(
            "SELECT 1 FROM outbox WHERE msg_key=? AND method='chat.postMessage' AND state='failed'", (key,)
        )
        return bool(rows)

    def posts(self, state: str | None = None) -> list[OutboxItem]:
        if state is None:
            return [_item(r) for r in self._rows("SELECT * FROM outbox ORDER BY id")]
        return [_item(r) for r in self._rows("SELECT * FROM outbox WHERE state=? ORDER BY id", (state,))]
