"""Signed Slack requests already served, by signature, for as long as Slack's five-minute window lets
a copy pass the signature check: a replayed request is recognised and not acted on twice."""

from __future__ import annotations

KEEP_SECONDS = 600  # twice the signature window


class RequestRows:
    def _create(self, db) -> None:
        db["seen_requests"].create({"signature": str, "at": float}, pk="signature", if_not_exists=True)
        db["seen_requests"].create_index(["at"], if_not_exists=True)

    def first_sighting(self, signature: str, now: float) -> bool:
        """True the first time `signature` is seen; forgets sightings older than the window as it goes."""
        with self._transaction() as conn:
            fresh = (
                conn.execute(
                    "INSERT OR IGNORE INTO seen_requests (signature, at) VALUES (?, ?)", (signature, now)
                ).rowcount
                == 1
            )
            if fresh and int(now) % 16 == 0:  # now and then, not on every request
                conn.execute("DELETE FROM seen_requests WHERE at < ?", (now - KEEP_SECONDS,))
        return fresh
