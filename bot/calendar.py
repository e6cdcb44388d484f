"""The operations calendar's maintenance side: which windows are coming (the default rule plus what
operators scheduled or cancelled), the notice timers for each, posting each notice once (late with a
note, or skipped, after downtime), the drain bookkeeping and the escalation hold other code asks about."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Callable

from bot.state import JobResult, Post, Store
from bot.state.maintenance import Drain, WindowRow
from commands import maintenance_text as text
from commands.calendar_settings import MaintenanceSettings
from commands.errors import CommandError
from commands.maintenance_windows import Window, default_windows, describe, notice_times, parse_window
from commands.recurrence import wall

NOTICE = "maintenance.notice"
METRICS_CHECK = "maintenance.metrics_check"
METRICS_JOB = "maintenance-metrics"
HORIZON = timedelta(days=45)  # notice timers exist this far ahead
PRE_START = ("announcement", "reminder")


def _at(stamp: float) -> datetime:
    return datetime.fromtimestamp(stamp, timezone.utc)


class Calendar:
    def __init__(
        self,
        store: Store,
        settings: MaintenanceSettings,
        channel: str,
        namespace: str,
        clock,
        poke: Callable[[], None] = lambda: None,
        check_metrics: Callable[[], str] = lambda: "",
    ):
        self._store, self.settings, self._channel, self._namespace = store, settings, channel, namespace
        self._clock, self._poke, self._check_metrics = clock, poke, check_metrics

    recurring: Callable[[datetime, int], list[tuple[datetime, str]]] = staticmethod(lambda now, count: [])

    def upcoming(self, now: datetime, days: int = 7) -> list[tuple[datetime, str]]:
        """What the calendar will post in the next `days`: review occurrences and window notices."""
        until = now + timedelta(days=days)
        items = [(when, what) for when, what in self.recurring(now, days + 1) if when <= until]
        for window in self.windows(now, 3):
            for notice, due in notice_times(window, self.settings).items():
                if now < due <= until:
                    items.append((due, f"🔧 Maintenance {notice} ({window.start:%Y-%m-%d} window)"))
        return sorted(items)

    def timer_handlers(self) -> dict:
        return {NOTICE: self.on_notice, METRICS_CHECK: self.on_metrics_check}

    # --- which windows ---------------------------------------------------------------------------
    def windows(self, now: datetime, count: int = 5) -> list[Window]:
        """Windows not over by `now`, soonest first: default ones not cancelled, plus scheduled ones."""
        rows = {r.key: r for r in self._store.window_rows(now.timestamp())}
        rule = self.settings.window
        found = {w.key: w for w in (default_windows(rule, now, count + 1) if rule.enabled else [])}
        for row in rows.values():
            if row.state == "cancelled":
                found.pop(row.key, None)
            else:
                found[row.key] = Window(
                    key=row.key,
                    start=_at(row.start_at),
                    end=_at(row.end_at),
                    zone=rule.zone,
                    reason=row.reason,
                    source="scheduled",
                )
        return sorted(found.values(), key=lambda w: w.start)[:count]

    def current(self, now: datetime) -> Window | None:
        return next((w for w in self.windows(now, 2) if w.contains(now)), None)

    def next_window(self, now: datetime) -> Window | None:
        return next(iter(self.windows(now, 1)), None)

    def maintenance_active(self, now: datetime) -> bool:
        """A window is open or the platform is drained: incident code holds escalation while True
        (when `maintenance.hold_escalation` is set; see escalation_held)."""
        return self.current(now) is not None or self._store.open_drain() is not None

    def escalation_held(self, now: datetime) -> bool:
        return self.settings.hold_escalation and self.maintenance_active(now)

    # --- operators' changes ----------------------------------------------------------------------
    def schedule(self, day: str, span: str, reason: str, by: str) -> Window:
        now = self._clock.now()
        window = parse_window(day, span, reason, self.settings.window.zone, now)
        clash = [
            w
            for w in self.windows(now, 12)
            if w.start < window.end and window.start < w.end and w.key != window.key
        ]
        if clash:
            raise CommandError(f"That overlaps the window {describe(clash[0])}; cancel it first.")
        self._store.put_window(
            WindowRow(
                key=window.key,
                start_at=window.start.timestamp(),
                end_at=window.end.timestamp(),
                reason=reason,
                source="scheduled",
                state="scheduled",
                by=by,
            ),
            now.timestamp(),
        )
        self._arm_window(window, now, fresh=True)
        return window

    def cancel(self, day: str | None, by: str) -> Window:
        now = self._clock.now()
        window = self._find(day, now)
        self._store.put_window(
            WindowRow(
                key=window.key,
                start_at=window.start.timestamp(),
                end_at=window.end.timestamp(),
                reason=window.reason,
                source=window.source,
                state="cancelled",
                by=by,
            ),
            now.timestamp(),
        )
        for notice in notice_times(window, self.settings):
            self._store.cancel_timer(NOTICE, f"{window.key}:{notice}")
        if "announcement" in self._store.notices(window.key):  # people were told: tell them it is off
            self._post(window.key, "cancelled", text.cancelled(window, by))
        return window

    def _find(self, day: str | None, now: datetime) -> Window:
        windows = self.windows(now, 12)
        if day is not None:
            windows = [w for w in windows if wall(w.start, w.zone).date().isoformat() == day]
        if not windows:
            raise CommandError(f"There is no upcoming maintenance window{' on ' + day if day else ''}.")
        return windows[0]

    # --- notice timers ---------------------------------------------------------------------------
    def arm(self, now: datetime | None = None) -> None:
        """Make sure every window within the horizon has its notice timers (idempotent)."""
        now = now or self._clock.now()
        for window in self.windows(now, 4):
            if window.start - now <= HORIZON:
                self._arm_window(window, now, fresh=False)

    def _arm_window(self, window: Window, now: datetime, fresh: bool) -> None:
        for notice, due in notice_times(window, self.settings).items():
            key = f"{window.key}:{notice}"
            if self._store.timer(NOTICE, key) is not None:
                continue  # armed before: keep its due time, so lateness after downtime is measured right
            superseded = fresh and due < now and notice in PRE_START and notice != "announcement"
            if fresh and due < now and notice == "announcement":
                due = now  # a window scheduled at short notice is announced at once, and not late
            self._store.schedule(
                NOTICE,
                key,
                due.timestamp(),
                now.timestamp(),
                {"window": window.model_dump(mode="json"), "notice": notice},
            )
            if superseded:  # the announcement just posted covers it; the row stops a later arm()
                self._store.cancel_timer(NOTICE, key)

    def on_notice(self, timer, late: float) -> None:
        window, notice = Window.model_validate(timer.payload["window"]), timer.payload["notice"]
        now = self._clock.now()
        if window.key not in {w.key for w in self.windows(window.start - timedelta(seconds=1), 3)}:
            return  # cancelled (or moved) since it was armed
        if notice == "completion":
            self._window_over(window)
        else:
            self._notice(window, notice, now, late)
        self.arm(now)

    def _notice(self, window: Window, notice: str, now: datetime, late: float) -> None:
        body = {
            "announcement": lambda: text.announcement(window, self._namespace),
            "reminder": lambda: text.reminder(window),
            "start": lambda: text.start(window),
        }[notice]()
        passed = now >= window.end or (notice in PRE_START and now >= window.start)
        if late > self.settings.late_grace_minutes * 60:
            if passed or self.settings.late_policy == "skip":
                self._store.claim_notice(window.key, notice, "skipped", now.timestamp())
                return
            body += text.late_note(now - timedelta(seconds=late), window.zone)
        self._post(window.key, notice, body)

    def _window_over(self, window: Window) -> None:
        drain = self._store.open_drain()
        if drain is not None:
            self._post(window.key, "overrun", text.overrun(window, drain.counts))
        else:
            self._post(window.key, "completion", text.closed_without_drain(window))

    # --- drain and restore -----------------------------------------------------------------------
    def window_for_drain(self, now: datetime) -> Window | None:
        return self.current(now) or self.next_window(now)

    def describe_key(self, key: str) -> str:
        if key.startswith("adhoc-"):
            return f"unscheduled maintenance (drained {key.removeprefix('adhoc-').replace('T', ' ').rstrip('Z')} UTC)"
        start = datetime.strptime(key, "%Y-%m-%dT%H:%MZ").replace(tzinfo=timezone.utc)
        return next((describe(w) for w in self.windows(start, 3) if w.key == key), key)

    def record_drain(self, window_key: str, counts: dict[str, int], by: str) -> Drain:
        return self._store.record_drain(window_key, counts, by, self._clock.time())

    def open_drain(self) -> Drain | None:
        return self._store.open_drain()

    def restored(self, drain_id: int, window_text: str, smoke: str, ok: bool = True) -> bool:
        """Close the drain once: the completion notice and, 30 minutes later, the metrics check."""
        drain, now = self._store.drain(drain_id), self._clock.time()
        if drain is None or not self._store.close_drain(drain_id, now):
            return False
        due = now + self.settings.metrics_check_minutes * 60
        self._store.schedule(METRICS_CHECK, str(drain_id), due, now, {"window_key": drain.window_key})
        self._post(drain.window_key, "completion", text.completion(window_text, smoke, ok))
        return True

    # the check queries Prometheus: it runs as a worker job, never in the scheduler's loop
    submit: Callable[[str, dict], int] | None = None

    def on_metrics_check(self, timer, late: float) -> None:
        payload = {"window_key": timer.payload["window_key"], "key": timer.key}
        if self.submit is None:
            self.run_metrics_check(payload)
        else:
            self.submit(METRICS_JOB, payload)

    def metrics_check_job(self, job) -> JobResult:
        self.run_metrics_check(job.payload)
        return JobResult("ok")

    def run_metrics_check(self, payload: dict) -> None:
        body = f"📈 *Post-maintenance metrics check* ({self.settings.metrics_check_minutes:g} min after restore)\n"
        self._post(payload["window_key"], f"metrics:{payload['key']}", body + self._check_metrics())

    def _post(self, window_key: str, notice: str, body: str) -> None:
        post = Post(
            "chat.postMessage",
            self._channel,
            {"channel": self._channel, "text": body},
            key=f"maintenance:{window_key}:{notice}",
        )
        if self._store.claim_notice(window_key, notice, "posted", self._clock.time(), post):
            self._poke()
