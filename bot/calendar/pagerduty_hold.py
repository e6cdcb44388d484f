"""Maintenance holds PagerDuty too: when a maintenance window opens or the platform is drained, a job
opens a PagerDuty maintenance window on the platform's services (PagerDuty then opens no incidents
for them), and when the maintenance ends another job ends it. Each opening is a row keyed by the
maintenance it covers, so a job run twice opens one window and a finish run twice ends it once."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta, timezone

from bot import messages
from bot.state import Effects, JobResult, NewJob, Store, Write
from commands.blockkit import escape
from integrations.errors import IntegrationError

log = logging.getLogger(__name__)

OPEN_JOB, CLOSE_JOB = "pagerduty-hold-open", "pagerduty-hold-close"
DRAIN_HOURS = 4  # a drain outside any window holds PagerDuty this long at most, unless finished sooner


def open_job(window_key: str, end: float) -> NewJob:
    return NewJob(OPEN_JOB, {"window_key": window_key, "end": end}, key=f"{OPEN_JOB}:{window_key}")


def close_job(window_key: str) -> NewJob:
    return NewJob(CLOSE_JOB, {"window_key": window_key}, key=f"{CLOSE_JOB}:{window_key}")


class PagerDutyHold:
    def __init__(self, store: Store, pagerduty, services: list[str], from_email: str, channel: str, clock):
        self._store, self._pd, self._services, self._from = store, pagerduty, services, from_email
        self._channel, self._clock = channel, clock

    def open(self, job) -> JobResult:
        key, end = job.payload["window_key"], job.payload["end"]
        if self._store.pagerduty_hold(key) is not None or not self._services:
            return JobResult("nothing")
        now = self._clock.now()
        try:
            ids = self._service_ids()
            until = datetime.fromtimestamp(max(end, now.timestamp() + 60), timezone.utc)
            pd_id = self._pd.create_maintenance_window(
                ids, now, until, f"llmbot: maintenance {key}", self._from
            )
        except IntegrationError as exc:
            return JobResult(
                "unavailable",
                Effects.of(
                    self._say(
                        f"⚠️ PagerDuty did not open a maintenance window "
                        f"({escape(exc.message)}); it may page during this "
                        "maintenance."
                    )
                ),
                exc.message,
            )
        row = Write(
            "INSERT OR IGNORE INTO pagerduty_holds (window_key, pd_id, state, opened_at) "
            "VALUES (?, ?, 'open', ?)",
            (key, pd_id, now.timestamp()),
            expect=None,
            what=f"hold {key}",
        )
        return JobResult(
            "ok",
            Effects.of(
                row,
                self._say(
                    f"🔕 PagerDuty holds pages for {len(ids)} service(s) "
                    f"until {until:%H:%M} UTC (maintenance window {pd_id})."
                ),
            ),
        )

    def close(self, job) -> JobResult:
        hold = self._store.pagerduty_hold(job.payload["window_key"])
        if hold is None or hold["state"] != "open":
            return JobResult("nothing")
        try:
            self._pd.delete_maintenance_window(hold["pd_id"])
        except IntegrationError as exc:
            return JobResult(
                "unavailable", error=exc.message
            )  # the worker's job stays failed; the window ends by itself
        row = Write(
            "UPDATE pagerduty_holds SET state='closed' WHERE window_key=? AND state='open'",
            (hold["window_key"],),
            what=f"hold {hold['window_key']} closed",
        )
        return JobResult(
            "ok", Effects.of(row, self._say("🔔 PagerDuty pages again: its maintenance window ended."))
        )

    def _service_ids(self) -> list[str]:
        """Configured ids as they are; names looked up (PagerDuty ids look like P followed by capitals)."""
        ids = [s for s in self._services if s[:1] == "P" and s.isalnum() and s.isupper()]
        for name in (s for s in self._services if s not in ids):
            ids += [found.id for found in self._pd.services(name) if found.name == name]
        return ids

    def _say(self, text: str):
        return messages.post(self._channel, text)


def drain_end(now: float) -> float:
    return (datetime.fromtimestamp(now, timezone.utc) + timedelta(hours=DRAIN_HOURS)).timestamp()
