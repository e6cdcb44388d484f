"""The daily Qdrant backup: a timer row for the next `backups.daily_at`; firing claims that day's run
once (a row) and asks for `/llm backup qdrant` through the approval engine as the bot itself, in the
same commit, so it is audited, followed in the channel and resumed after a restart like one typed."""

from __future__ import annotations

from datetime import datetime, timezone

from bot.state import Effects, NewJob, SetTimer, Store
from bot.state import maintenance as rows
from commands.data_settings import BackupSettings
from commands.recurrence import occurrences

TIMER = "backup.daily"
RUN = "qdrant-backup"


class DailyBackup:
    def __init__(self, store: Store, settings: BackupSettings, channel: str, clock):
        self._store, self._settings, self._channel, self._clock = store, settings, channel, clock

    def arm(self, after: datetime | None = None) -> Effects:
        """A pending timer for the next daily backup (idempotent per occurrence)."""
        if not self._settings.daily:
            return Effects()
        [when] = occurrences(self._settings.rule, self._settings.zone, after or self._clock.now(), 1)
        return Effects.of(SetTimer(TIMER, f"{RUN}@{when:%Y-%m-%dT%H:%MZ}", when.timestamp(), again=False))

    def on_timer(self, timer, late: float) -> Effects:
        """Late (the bot was down) still backs up, once: a late backup beats a missing one."""
        following = self.arm(max(self._clock.now(), datetime.fromtimestamp(timer.due_at, timezone.utc)))
        if not self._settings.daily or any(r["occurrence"] == timer.due_at for r in self._store.runs(RUN)):
            return following
        request = {
            "user": "",
            "channel": self._channel,
            "verb": "backup qdrant",
            "args": {"collection": self._settings.collection},
            "text": "backup qdrant (daily)",
            "response_url": None,
            "request_id": "",
        }
        return following + Effects.of(
            rows.claim_run(RUN, timer.due_at, "started", self._clock.time()),
            NewJob("change", request, key=f"{RUN}:{timer.due_at}"),
        )
