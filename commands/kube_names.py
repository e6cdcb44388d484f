"""What the look-closer commands share: Kubernetes object names checked before they reach a URL, the
platform's Deployments as the only ones named from chat, and ages as `kubectl get` shows them."""

from __future__ import annotations

import re
from datetime import datetime

from commands.blockkit import code
from commands.deps import Deps
from commands.scale import check_deployment

_NAME = re.compile(
    r"^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$"
)  # a DNS-1123 subdomain, as pods and nodes are named


def checked_name(name: str, what: str = "name") -> str:
    """`name` when Kubernetes could call something that; else a ValueError saying so (a request validator)."""
    if not _NAME.match(name):
        raise ValueError(
            f"{code(name[:60])} is not a Kubernetes {what}: lowercase letters, digits, `-` and `.`, "
            "starting and ending with a letter or digit."
        )
    return name


def deployment(name: str | None, deps: Deps) -> str | None:
    """One of platform.deployments, or a CommandError listing them (None passes: no filter)."""
    if name is not None:
        check_deployment(name, deps)
    return name


def age(since: datetime | None, now: datetime) -> str:
    """`40s`, `12m`, `5h`, `3d`, as the AGE column of `kubectl get`."""
    if since is None:
        return "?"
    seconds = max(0, int((now - since).total_seconds()))
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size * (2 if unit == "d" else 1):
            return f"{seconds // size}{unit}"
    return f"{seconds}s"
