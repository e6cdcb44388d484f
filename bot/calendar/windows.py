"""The maintenance side of the calendar, as the maintenance commands see it (commands.ports.Calendar):
which windows are coming (the default rule plus what operators scheduled or cancelled), scheduling
and cancelling one (with its notice timers, in the same commit), and the drain bookkeeping: the counts
a drain recorded, and closing it with its completion notice and the metrics check timer."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Callable

from bot.calendar.notices import METRICS_CHECK, NOTICE, Notices
from bot.calendar.pagerduty_hold import close_job, drain_end, open_job
from bot.state import CancelTimer, Effects, SetTimer, Store
from bot.state import maintenance as rows
from bot.state.maintenance import Drain, WindowRow
from commands import maintenance_text as text
from commands.calendar_settings import MaintenanceSettings
from commands.errors import CommandError
from commands.maintenance_windows import Window, default_windows, describe, notice_times, parse_window
from commands.recurrence import wall


def _at(stamp: float) -> datetime:
    return datetime.fromtimestamp(stamp, timezone.utc)


class Calendar:
    def __init__(
        self,
        store: Store,
        settings: MaintenanceSettings,
        notices: Notices,
        clock,
        recurring: Callable[[datetime, int], list[tuple[datetime, str]]],
    ):
        self._store, self.settings, self.notices, self._clock = store, settings, notices, clock
        self._recurring = recurring

    def upcoming(self, now: datetime, days: int = 7) -> list[tuple[datetime, str]]:
        """What the calendar will post in the next `days`: review occurrences and window notices."""
        until = now + timedelta(days=days)
        items = [(when, what) for when, what in self._recurring(now, days + 1) if when <= until]
        for window in self.windows(now, 3):
            for notice, due in notice_times(window, self.settings).items():
                if now < due <= until:
                    items.append((due, f"🔧 Maintenance {notice} ({window.start:%Y-%m-%d} window)"))
        return sorted(items)

    # --- which windows ---------------------------------------------------------------------------
    def windows(self, now: datetime, count: int = 5) -> list[Window]:
        return windows(self._store, self.settings, now, count)

    def current(self, now: datetime) -> Window | None:
        return next((w for w in self.windows(now, 2) if w.contains(now)), None)

    def next_window(self, now: datetime) -> Window | None:
        return next(iter(self.windows(now, 1)), None)

    def maintenance_active(self, now: datetime) -> bool:
        """A window is open or the platform is drained."""
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
        row = _row(window, "scheduled", by, source="scheduled")

        def step() -> Effects:
            return Effects.of(rows.put_window(row, now.timestamp())) + self.notices.arm_window(
                window, now, True
            )

        if self._store.run_step(step, now.timestamp())[1] is None:
            raise CommandError(f"The window {describe(window)} is already scheduled.")
        return window

    def cancel(self, day: str | None, by: str) -> Window:
        now = self._clock.now()
        window = self._find(day, now)
        fx = Effects.of(
            rows.put_window(_row(window, "cancelled", by, source=window.source), now.timestamp()),
            *[
                CancelTimer(NOTICE, f"{window.key}:{notice}")
                for notice in notice_times(window, self.settings)
            ],
        )
        if "announcement" in self._store.notices(window.key):  # people were told: tell them it is off
            fx += self.notices.post(window.key, "cancelled", text.cancelled(window, by))
        self._store.commit(fx, now.timestamp())
        return window

    def _find(self, day: str | None, now: datetime) -> Window:
        found = self.windows(now, 12)
        if day is not None:
            found = [w for w in found if wall(w.start, w.zone).date().isoformat() == day]
        if not found:
            raise CommandError(f"There is no upcoming maintenance window{' on ' + day if day else ''}.")
        return found[0]

    # --- drain and restore -----------------------------------------------------------------------
    def describe_key(self, key: str) -> str:
        if key.startswith("adhoc-"):
            drained = key.removeprefix("adhoc-").replace("T", " ").rstrip("Z")
            return f"unscheduled maintenance (drained {drained} UTC)"
        start = datetime.strptime(key, "%Y-%m-%dT%H:%MZ").replace(tzinfo=timezone.utc)
        return next((describe(w) for w in self.windows(start, 3) if w.key == key), key)

    def record_drain(self, window_key: str, counts: dict[str, int], by: str) -> Drain:
        """The counts to restore later (while a drain is open its first counts win), and PagerDuty held
        until the window it is for ends (or for a few hours, for a drain outside any window)."""
        now, current = self._clock.time(), self.current(self._clock.now())
        end = current.end.timestamp() if current is not None and current.key == window_key else drain_end(now)
        self._store.commit(
            Effects.of(rows.record_drain(window_key, counts, by, now), open_job(window_key, end)), now
        )
        return self._store.open_drain()

    def open_drain(self) -> Drain | None:
        return self._store.open_drain()

    def restored(self, drain_id: int, window_text: str, smoke: str, ok: bool = True) -> bool:
        """Close the drain once, with the completion notice and, later, the metrics check."""
        drain, now = self._store.drain(drain_id), self._clock.time()
        if drain is None:
            return False
        due = now + self.settings.metrics_check_minutes * 60
        fx = Effects.of(
            rows.close_drain(drain_id, now),
            close_job(drain.window_key),
            SetTimer(METRICS_CHECK, str(drain_id), due, {"window_key": drain.window_key}, again=False),
        )
        fx += self.notices.post(drain.window_key, "completion", text.completion(window_text, smoke, ok))
        return self._store.commit(fx, now) is not None


def windows(store: Store, settings: MaintenanceSettings, now: datetime, count: int = 5) -> list[Window]:
    """Windows not over by `now`, soonest first: default ones not cancelled, plus scheduled ones."""
    rows_by_key = {r.key: r for r in store.window_rows(now.timestamp())}
    rule = settings.window
    found = {w.key: w for w in (default_windows(rule, now, count + 1) if rule.enabled else [])}
    for row in rows_by_key.values():
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


def _row(window: Window, state: str, by: str, source: str) -> WindowRow:
    return WindowRow(
        key=window.key,
        start_at=window.start.timestamp(),
        end_at=window.end.timestamp(),
        reason=window.reason,
        source=source,
        state=state,
        by=by,
    )
