"""Maintenance windows as times: the default monthly window, a window typed by an operator, the
notices each window gets and when, and how a window reads in the channel (in its own zone)."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from pydantic import BaseModel

from commands.blockkit import code, escape
from commands.calendar_settings import MaintenanceSettings, WindowRule
from commands.errors import CommandError
from commands.recurrence import localize, occurrences, wall

Notice = Literal["announcement", "reminder", "start", "completion"]
_SPAN = re.compile(r"^(\d{1,2}):(\d{2})-(\d{1,2}):(\d{2})$")


class Window(BaseModel):
    key: str  # the start instant in UTC, e.g. "2025-03-01T10:00Z": stable across restarts
    start: datetime  # aware, UTC
    end: datetime
    zone: str
    reason: str = ""
    source: Literal["default", "scheduled"] = "default"

    def contains(self, instant: datetime) -> bool:
        return self.start <= instant < self.end


def window_key(start: datetime) -> str:
    return start.strftime("%Y-%m-%dT%H:%MZ")


def default_windows(rule: WindowRule, after: datetime, count: int) -> list[Window]:
    """The default windows that have not ended by `after`: the one running now, then the next ones."""
    starts = occurrences(rule.rrule, rule.zone, after - timedelta(minutes=rule.duration_minutes), count)
    length = timedelta(minutes=rule.duration_minutes)
    return [
        Window(key=window_key(s), start=s, end=s + length, zone=rule.zone, reason="monthly maintenance")
        for s in starts
        if s + length > after
    ]


def check_day(day: str) -> date:
    """`2025-03-08` as a date; a ValueError saying how to write it."""
    try:
        return date.fromisoformat(day)
    except ValueError:
        raise ValueError(
            f"{code(day[:20])} is not a date: write it as YYYY-MM-DD, e.g. 2025-03-08."
        ) from None


def check_span(span: str) -> re.Match:
    """`02:00-06:00` as its four numbers; a ValueError saying how to write it."""
    match = _SPAN.match(span)
    if not match or int(match[1]) > 23 or int(match[3]) > 24 or int(match[2]) > 59 or int(match[4]) > 59:
        raise ValueError(f"{code(span[:20])} is not a time span: write HH:MM-HH:MM, e.g. 02:00-06:00.")
    return match


def parse_window(day: str, span: str, reason: str, zone: str, now: datetime) -> Window:
    """`2025-03-08` and `02:00-06:00` on the wall clock of `zone`; the end may pass midnight."""
    try:
        local_day, match = check_day(day), check_span(span)
    except ValueError as exc:
        raise CommandError(str(exc)) from None
    start_wall = datetime.combine(local_day, datetime.min.time()) + timedelta(
        hours=int(match[1]), minutes=int(match[2])
    )
    end_wall = datetime.combine(local_day, datetime.min.time()) + timedelta(
        hours=int(match[3]), minutes=int(match[4])
    )
    if end_wall <= start_wall:
        end_wall += timedelta(days=1)  # 22:00-02:00 ends the next morning
    start, end = localize(start_wall, zone), localize(end_wall, zone)
    if end <= now:
        raise CommandError(f"That window ({describe_span(start, end, zone)}) is already over.")
    return Window(key=window_key(start), start=start, end=end, zone=zone, reason=reason, source="scheduled")


def notice_times(window: Window, settings: MaintenanceSettings) -> dict[Notice, datetime]:
    """When each notice is due. Whole days count on the wall clock (3 days before 02:00 is 02:00)."""
    times: dict[Notice, datetime] = {}
    if settings.announce_before_minutes:
        times["announcement"] = _before(window, settings.announce_before_minutes)
    if settings.remind_before_minutes:
        times["reminder"] = _before(window, settings.remind_before_minutes)
    times["start"] = window.start
    times["completion"] = window.end
    return times


def _before(window: Window, minutes: int) -> datetime:
    if minutes % (24 * 60):
        return window.start - timedelta(minutes=minutes)
    return localize(wall(window.start, window.zone) - timedelta(minutes=minutes), window.zone)


def describe_span(start: datetime, end: datetime, zone: str) -> str:
    """E.g. "Sat 1 Mar 2025, 02:00–06:00 PST (10:00–14:00 UTC)"."""
    tz = ZoneInfo(zone)
    a, b = start.astimezone(tz), end.astimezone(tz)
    day = f"{a:%a} {a.day} {a:%b %Y}"
    until = f"{b:%H:%M}" if b.date() == a.date() else f"{b:%a} {b.day} {b:%b} {b:%H:%M}"
    zones = f"{a:%Z}" if a.tzname() == b.tzname() else f"{a:%Z}/{b:%Z}"
    return f"{day}, {a:%H:%M}–{until} {zones} ({start:%H:%M}–{end:%H:%M} UTC)"


def describe(window: Window) -> str:
    hours = (window.end - window.start).total_seconds() / 3600
    text = f"{describe_span(window.start, window.end, window.zone)}, {hours:g} h"
    return text + (f": {escape(window.reason)}" if window.reason else "")
