"""Signed Slack requests already served, by signature, for as long as Slack's five-minute window lets
a copy pass the signature check: a replayed request is recognised and not acted on twice.

A sighting is one row keyed by a 64-bit hash of the signature (an INTEGER PRIMARY KEY: one b-tree, so
a sighting dirties one page, where a text key plus a time index dirtied three), written in the same
transaction as what the request does. Old rows go in 256 slices of the key range, one slice a second,
so the whole table is swept every 256 s and no sweep holds the store's lock for long."""

from __future__ import annotations

import hashlib
import sqlite3

from bot.state.effects import Write

KEEP_SECONDS = 600  # twice the signature window
SLICES = 256  # a full sweep every 256 s: a sighting lives between KEEP_SECONDS and KEEP_SECONDS + 256 s
_SLICE = 1 << 56  # 2**64 keys / 256 slices
_INSERT = "INSERT INTO seen_signatures (key, at) VALUES (?, ?)"  # a replay fails it: see replayed()
_SWEEP = "DELETE FROM seen_signatures WHERE key BETWEEN ? AND ? AND at < ?"


def replayed(error: BaseException) -> bool:
    """Whether `error` is a sighting's insert failing because the signature was seen before. It fails
    loudly rather than as a missed compare-and-set, so the step is rolled back without a "state moved
    first" log line and the caller can tell a replay from any other conflict."""
    return isinstance(error, sqlite3.IntegrityError) and "seen_signatures.key" in str(error)


def sighting_key(signature: str) -> int:
    """A signed 64-bit key for `signature`; two different signatures share one with odds of 2**-64."""
    return int.from_bytes(hashlib.blake2b(signature.encode(), digest_size=8).digest(), "big", signed=True)


class RequestRows:
    def _create(self, db) -> None:
        db.execute("CREATE TABLE IF NOT EXISTS seen_signatures (key INTEGER PRIMARY KEY, at REAL NOT NULL)")
        self._swept_at = 0  # the last second whose slice was swept

    def sighting(self, signature: str, now: float) -> tuple[Write, ...]:
        """The writes that record `signature` as seen, to commit with the request's own effects: on a
        replay the insert raises (see replayed()) and the whole step is rolled back; a step that fails
        records nothing (its replay is then the first request that acts)."""
        insert = Write(_INSERT, (sighting_key(signature), now), what="a Slack request's signature")
        if int(now) == self._swept_at:
            return (insert,)
        self._swept_at = second = int(now)
        low = (second % SLICES - SLICES // 2) * _SLICE
        return insert, Write(_SWEEP, (low, low + _SLICE - 1, now - KEEP_SECONDS), expect=None)

    def first_sighting(self, signature: str, now: float) -> bool:
        """True the first time `signature` is seen, recorded at once in a transaction of its own."""
        writes = self.sighting(signature, now)
        try:
            with self._transaction() as conn:
                for write in writes:
                    conn.execute(write.sql, write.params)
        except sqlite3.IntegrityError as error:
            if replayed(error):
                return False
            raise
        return True
