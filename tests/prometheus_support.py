"""A private exporter and a real Prometheus scraping it, for tests that change what the exporter
serves (and so must not share the session sandbox's). Prometheus missing is a failure, not a skip:
`make test` installs it, and a skipped metrics test would pass with the feature untested."""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import pytest

from sandbox.exporter import Exporter
from sandbox.prometheus import PrometheusMissing, SandboxPrometheus


@contextmanager
def exporter_and_prometheus(
    workdir: Path, history_days: int = 7
) -> Iterator[tuple[Exporter, SandboxPrometheus]]:
    exporter = Exporter()
    exporter.start()
    prometheus = SandboxPrometheus(workdir, exporter.url, history_days=history_days)
    try:
        prometheus.start()
    except PrometheusMissing as missing:
        exporter.stop()
        pytest.fail(f"{missing}: install Debian's prometheus package (`make test` does)")
    try:
        yield exporter, prometheus
    finally:
        prometheus.stop()
        exporter.stop()
