"""The daily Qdrant backup: a timer row for the next `backups.daily_at`; firing claims that day's
run once (a row) and asks for `/llm backup qdrant` through the approval engine as the bot itself, so
it is audited, followed in the channel and resumed after a restart like one typed by hand."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Callable

from bot.state import Store
from commands.data_settings import BackupSettings
from commands.recurrence import occurrences

TIMER = "backup.daily"
RUN = "qdrant-backup"


class DailyBackup:
    def __init__(
        self, store: Store, settings: BackupSettings, channel: str, clock, submit: Callable[[str, dict], int]
    ):
        self._store, self._settings, self._channel = store, settings, channel
        self._clock, self._submit = clock, submit

    def arm(self, after: datetime | None = None) -> None:
        """A pending timer for the next daily backup (idempotent per occurrence)."""
        if not self._settings.daily:
            return
        [when] = occurrences(self._settings.rule, self._settings.zone, after or self._clock.now(), 1)
        self._store.schedule(TIMER, f"{RUN}@{when:%Y-%m-%dT%H:%MZ}", when.timestamp(), self._clock.time())

    def on_timer(self, timer, late: float) -> None:
        """Late (the bot was down) still backs up, once: a late backup beats a missing one."""
        if self._settings.daily and self._store.claim_run(RUN, timer.due_at, "started", self._clock.time()):
            self._submit(
                "change",
                {
                    "user": "",
                    "channel": self._channel,
                    "verb": "backup qdrant",
                    "args": {"collection": self._settings.collection},
                    "text": "backup qdrant (daily)",
                    "response_url": None,
                    "request_id": "",
                },
            )
        self.arm(max(self._clock.now(), datetime.fromtimestamp(timer.due_at, timezone.utc)))
