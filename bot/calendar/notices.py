"""Maintenance notices: each window within the horizon has a timer per notice (3 days before, 1 hour
before, at the start, at the end); firing one claims that notice once (a row) and posts it in the same
commit, late with a note or skipped after downtime, by policy. The post-restore metrics check is a
timer too, whose Prometheus reading runs as a worker job."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Callable

from bot import messages
from bot.calendar.pagerduty_hold import close_job, open_job
from bot.state import CancelTimer, Effects, JobResult, NewJob, SetTimer, Store
from bot.state import maintenance as rows
from commands import maintenance_text as text
from commands.calendar_settings import MaintenanceSettings
from commands.maintenance_windows import Window, notice_times

NOTICE = "maintenance.notice"
METRICS_CHECK = "maintenance.metrics_check"
METRICS_JOB = "maintenance-metrics"
HORIZON = timedelta(days=45)  # notice timers exist this far ahead
PRE_START = ("announcement", "reminder")


class Notices:
    def __init__(
        self,
        store: Store,
        settings: MaintenanceSettings,
        channel: str,
        namespace: str,
        clock,
        windows: Callable[[datetime, int], list[Window]],
    ):
        self._store, self._settings, self._channel, self._namespace = store, settings, channel, namespace
        self._clock, self._windows = clock, windows

    # --- arming ----------------------------------------------------------------------------------
    def arm(self, now: datetime | None = None) -> Effects:
        """Every window within the horizon has its notice timers (idempotent)."""
        now = now or self._clock.now()
        fx = Effects()
        for window in self._windows(now, 4):
            if window.start - now <= HORIZON:
                fx += self.arm_window(window, now, fresh=False)
        return fx

    def arm_window(self, window: Window, now: datetime, fresh: bool) -> Effects:
        fx = Effects()
        for notice, due in notice_times(window, self._settings).items():
            key = f"{window.key}:{notice}"
            if self._store.timer(NOTICE, key) is not None:
                continue  # armed before: keep its due time, so lateness after downtime is measured right
            superseded = fresh and due < now and notice in PRE_START and notice != "announcement"
            if fresh and due < now and notice == "announcement":
                due = now  # a window scheduled at short notice is announced at once, and not late
            payload = {"window": window.model_dump(mode="json"), "notice": notice}
            fx += Effects.of(SetTimer(NOTICE, key, due.timestamp(), payload, if_absent=True))
            if superseded:  # the announcement just posted covers it; the row stops a later arm()
                fx += Effects.of(CancelTimer(NOTICE, key))
        return fx

    # --- firing ----------------------------------------------------------------------------------
    def on_notice(self, timer, late: float) -> Effects:
        window, notice = Window.model_validate(timer.payload["window"]), timer.payload["notice"]
        now = self._clock.now()
        if window.key not in {w.key for w in self._windows(window.start - timedelta(seconds=1), 3)}:
            return self.arm(now)  # cancelled (or moved) since it was armed
        fx = self._window_over(window) if notice == "completion" else self._notice(window, notice, now, late)
        return fx + self.arm(now)

    def _notice(self, window: Window, notice: str, now: datetime, late: float) -> Effects:
        body = {
            "announcement": lambda: text.announcement(window, self._namespace),
            "reminder": lambda: text.reminder(window),
            "start": lambda: text.start(window),
        }[notice]()
        passed = now >= window.end or (notice in PRE_START and now >= window.start)
        if late > self._settings.late_grace_minutes * 60:
            if passed or self._settings.late_policy == "skip":
                return self._claim(window.key, notice, "skipped")
            body += text.late_note(now - timedelta(seconds=late), window.zone)
        held = Effects.of(open_job(window.key, window.end.timestamp())) if notice == "start" else Effects()
        return self.post(window.key, notice, body) + held

    def _window_over(self, window: Window) -> Effects:
        drain = self._store.open_drain()
        if drain is not None:  # PagerDuty stays held until the finish restores the platform
            return self.post(window.key, "overrun", text.overrun(window, drain.counts))
        return self.post(window.key, "completion", text.closed_without_drain(window)) + Effects.of(
            close_job(window.key)
        )

    def post(self, window_key: str, notice: str, body: str) -> Effects:
        """A notice, once: its claim row and its post commit together."""
        claimed = self._claim(window_key, notice, "posted")
        if claimed.empty:
            return claimed
        return claimed + Effects.of(
            messages.post(self._channel, body, key=f"maintenance:{window_key}:{notice}")
        )

    def _claim(self, window_key: str, notice: str, state: str) -> Effects:
        if notice in self._store.notices(window_key):
            return Effects()
        return Effects.of(rows.claim_notice(window_key, notice, state, self._clock.time()))


class MetricsCheck:
    """The post-maintenance metrics check: its timer starts a job, the job reads Prometheus and posts."""

    def __init__(self, notices: Notices, settings: MaintenanceSettings, check_metrics: Callable[[], str]):
        self._notices, self._settings, self._check_metrics = notices, settings, check_metrics

    def on_timer(self, timer, late: float) -> Effects:
        return Effects.of(NewJob(METRICS_JOB, {"window_key": timer.payload["window_key"], "key": timer.key}))

    def run(self, job) -> JobResult:
        minutes = self._settings.metrics_check_minutes
        body = (
            f"📈 *Post-maintenance metrics check* ({minutes:g} min after restore)\n" + self._check_metrics()
        )
        key = f"metrics:{job.payload['key']}"
        return JobResult("ok", then=lambda: self._notices.post(job.payload["window_key"], key, body))
