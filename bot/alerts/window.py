"""When the maintenance going on now ends, for "Silence until the end of the maintenance window": the
open window's end, or for a drained platform the end of the window it was drained for (an unscheduled
drain: the default window length after it began). None when no maintenance is going on."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from commands.ports import Calendar


def maintenance_end(calendar: Calendar | None, now: float) -> float | None:
    if calendar is None:
        return None
    moment = datetime.fromtimestamp(now, timezone.utc)
    window = calendar.current(moment)
    if window is not None:
        return window.end.timestamp()
    drain = calendar.open_drain()
    if drain is None:
        return None
    planned = next((w for w in calendar.windows(moment, 3) if w.key == drain.window_key), None)
    if planned is not None and planned.end > moment:
        return planned.end.timestamp()
    length = timedelta(minutes=calendar.settings.window.duration_minutes)
    end = datetime.fromtimestamp(drain.drained_at, timezone.utc) + length
    return end.timestamp() if end > moment else None
