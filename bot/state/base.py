"""The SQLite connection every row family shares: WAL mode, one lock, small helpers for writes,
reads and transactions. Row families (audit, jobs, outbox, timers, approvals) are mixins on top."""

from __future__ import annotations

import sqlite3
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

import sqlite_utils

SCHEMA_VERSION = 2  # PRAGMA user_version of the tables below; an older file is refused, not guessed at


class SchemaTooOld(RuntimeError):
    """The state file was written by an older llmbot whose tables this version does not read."""


class Database:
    def __init__(self, path: str | Path):
        self.path = str(path)
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None, timeout=10)
        self._db = sqlite_utils.Database(conn)
        self._lock = threading.RLock()
        self.listeners: list = []  # called with each Committed after its transaction (to wake the loops)
        with self._lock:
            self._check_version()
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            for klass in type(self).__mro__:
                if "_create" in vars(klass):
                    vars(klass)["_create"](self, self._db)
            self._db.execute(f"PRAGMA user_version={SCHEMA_VERSION}")

    def _check_version(self) -> None:
        version = self._db.execute("PRAGMA user_version").fetchone()[0]
        if version not in (0, SCHEMA_VERSION) or (version == 0 and self._db.table_names()):
            raise SchemaTooOld(
                f"{self.path} holds llmbot state of schema {version}; this llmbot reads schema "
                f"{SCHEMA_VERSION}. Let the old version finish its queued work, then start with a new file."
            )

    def _write(self, sql: str, params: tuple | list = ()) -> sqlite3.Cursor:
        with self._lock:
            return self._db.execute(sql, params)

    def _rows(self, sql: str, params: tuple | list = ()) -> list[dict[str, Any]]:
        with self._lock:
            cursor = self._db.execute(sql, params)
            columns = [c[0] for c in cursor.description]
            return [dict(zip(columns, row, strict=False)) for row in cursor.fetchall()]

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        """One atomic unit: everything inside commits together or not at all. Re-entrant: an inner
        use joins the outer transaction."""
        with self._lock:
            conn = self._db.conn
            if conn.in_transaction:
                yield conn
                return
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")

    def is_writable(self) -> bool:
        try:
            self._write("CREATE TABLE IF NOT EXISTS _probe (x)")
            self._write("DELETE FROM _probe")
            return True
        except sqlite3.Error:
            return False

    def close(self) -> None:
        with self._lock:
            self._db.conn.close()
