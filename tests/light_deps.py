"""A Deps record with only the clients a command test starts (the rest None), for tests that run one
or two stand-ins instead of the whole sandbox."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone

from commands.canary_analysis import CanaryPolicy
from commands.deps import Deps
from commands.platform import Platform, Queries

POOL = ThreadPoolExecutor(4, thread_name_prefix="test-backend")


def light_deps(now: datetime | None = None, **clients) -> Deps:
    moment = now or datetime(2025, 3, 1, tzinfo=timezone.utc)
    base = {
        "kube": None,
        "prom": None,
        "aws": None,
        "eks": None,
        "platform": Platform(),
        "queries": Queries(),
    }
    return Deps(**{**base, **clients}, cluster="", canary=CanaryPolicy(), pool=POOL, now=lambda: moment)
