"""Outage modes of the Slack Web API stand-in. Slow: every method still does its work but answers only
after a delay, so a client that gives up never learns that Slack accepted its post. Down: listed
methods (or all) fail, with HTTP 503 or with the connection reset before anything is read."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

FAILURES = ("503", "reset")


@dataclass
class _Slow:
    seconds: float
    until: float | None  # time.monotonic() deadline
    calls: int | None  # calls left


@dataclass
class _Down:
    methods: frozenset[str] | None  # None: every method
    calls: int | None  # calls left
    failure: str


class ApiFaults:
    """The current slow and down modes; each check consumes one call of a counted mode."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._slow: _Slow | None = None
        self._down: _Down | None = None

    def slow(self, seconds: float, for_seconds: float | None = None, calls: int | None = None) -> None:
        """Delay every answer by `seconds`, for `for_seconds` of wall time or `calls` calls, or until
        cleared (`slow(0)` or `clear()`)."""
        until = None if for_seconds is None else time.monotonic() + for_seconds
        with self._lock:
            self._slow = _Slow(float(seconds), until, calls) if seconds > 0 else None

    def down(
        self, methods: list[str] | None = None, for_calls: int | None = None, failure: str = "503"
    ) -> None:
        """Fail `methods` (default all) for `for_calls` calls or until cleared."""
        if failure not in FAILURES:
            raise ValueError(f"failure must be one of {FAILURES}, not {failure!r}")
        chosen = None if methods is None else frozenset(methods)
        with self._lock:
            self._down = _Down(chosen, for_calls, failure)

    def clear(self) -> None:
        with self._lock:
            self._slow = self._down = None

    def delay(self) -> float:
        """Seconds this call's answer waits (0 when Slack is not slow)."""
        with self._lock:
            slow = self._slow
            if slow is None or (slow.until is not None and time.monotonic() >= slow.until):
                self._slow = None
                return 0.0
            if slow.calls is not None:
                slow.calls -= 1
                if slow.calls <= 0:
                    self._slow = None
            return slow.seconds

    def fails(self, method: str, failure: str) -> bool:
        """Whether this call of `method` fails the given way."""
        with self._lock:
            down = self._down
            if (
                down is None
                or down.failure != failure
                or (down.methods is not None and method not in down.methods)
            ):
                return False
            if down.calls is not None:
                down.calls -= 1
                if down.calls <= 0:
                    self._down = None
            return True
