"""Named crash points for the crash tests: a no-op unless LLMBOT_CRASH_AT names the point (optionally
`name@N`: the N-th time it is reached), then the process dies at once, as kill -9 would leave it."""

from __future__ import annotations

import os
import threading

ENV = "LLMBOT_CRASH_AT"
EXIT_CODE = 137  # what a shell shows for SIGKILL

_lock = threading.Lock()
_reached: dict[str, int] = {}


def point(name: str) -> None:
    target = os.environ.get(ENV)
    if not target:
        return
    wanted, _, nth = target.partition("@")
    if wanted != name:
        return
    with _lock:
        _reached[name] = _reached.get(name, 0) + 1
        if _reached[name] >= int(nth or 1):
            os._exit(EXIT_CODE)
