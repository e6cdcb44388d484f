"""Time windows as users type them (`30m`, `24h`, `7d`), parsed once for every report command."""

from __future__ import annotations

import re
from datetime import timedelta

from commands.blockkit import code
from commands.errors import CommandError

_WINDOW = re.compile(r"^(?P<n>\d{1,4})(?P<unit>[mhd])$")
_UNITS = {"m": "minutes", "h": "hours", "d": "days"}


def parse(text: str, maximum: timedelta, what: str = "window") -> timedelta:
    """`24h` -> timedelta(hours=24); a CommandError for anything else or longer than `maximum`."""
    match = _WINDOW.match(text.strip().lower())
    if not match or int(match["n"]) == 0:
        raise CommandError(
            f"{code(text[:20])} is not a {what}: write a number and m, h or d, such as 24h or 7d."
        )
    window = timedelta(**{_UNITS[match["unit"]]: int(match["n"])})
    if window > maximum:
        raise CommandError(f"The {what} may be at most {label(maximum)}.")
    return window


def checked(text: str, maximum: timedelta, what: str = "window") -> str:
    """`text` as typed when it parses, else a ValueError with parse's sentence (a request validator)."""
    try:
        parse(text, maximum, what)
    except CommandError as exc:
        raise ValueError(exc.message) from None
    return text


def looks_like(text: str) -> bool:
    return bool(_WINDOW.match(text.strip().lower()))


def label(window: timedelta) -> str:
    """`7d`, `24h`, `90m`: days only from two days up, as people say them."""
    seconds = int(window.total_seconds())
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds % size == 0 and (unit != "d" or seconds >= 2 * size):
            return f"{seconds // size}{unit}"
    return f"{seconds}s"
