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
