"""Time, injected: production uses SystemClock; tests use ManualClock and move time instead of sleeping."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(timezone.utc)

    def time(self) -> float:
        return self.now().timestamp()


class ManualClock:
    def __init__(self, start: datetime):
        self._now = start
        self._lock = threading.Lock()

    def now(self) -> datetime:
        with self._lock:
            return self._now

    def time(self) -> float:
        return self.now().timestamp()

    def advance(self, seconds: float) -> None:
        with self._lock:
            self._now += timedelta(seconds=seconds)


class OffsetClock:
    """The system clock plus an offset that only grows: the demo's `:advance 15m` moves the bot's time
    (timers come due, approvals expire) while everything outside keeps real time."""

    def __init__(self, offset_seconds: float = 0.0):
        self._offset = offset_seconds
        self._lock = threading.Lock()

    @property
    def offset(self) -> float:
        with self._lock:
            return self._offset

    def now(self) -> datetime:
        return datetime.now(timezone.utc) + timedelta(seconds=self.offset)

    def time(self) -> float:
        return self.now().timestamp()

    def advance(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError("time only moves forward: timers already fired cannot fire again")
        with self._lock:
            self._offset += seconds
