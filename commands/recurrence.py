"""Recurring times in a real zone: RRULE or five-field cron, expanded on the wall clock of the zone
and only then turned into instants, so 09:00 stays 09:00 across DST and a monthly rule stays monthly."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from dateutil.rrule import rrulestr

from commands.errors import CommandError

_CRON_DAYS = ("SU", "MO", "TU", "WE", "TH", "FR", "SA", "SU")  # cron 0 and 7 are Sunday


def localize(naive: datetime, zone: str) -> datetime:
    """A wall-clock time in `zone` as an aware UTC instant. fold=0: a time skipped by the spring
    change moves forward an hour (02:30 -> 03:30), a time repeated in autumn is its first pass."""
    return naive.replace(tzinfo=ZoneInfo(zone), fold=0).astimezone(timezone.utc)


def wall(instant: datetime, zone: str) -> datetime:
    """The naive wall-clock reading of `instant` in `zone`."""
    return instant.astimezone(ZoneInfo(zone)).replace(tzinfo=None)


def cron_to_rrule(cron: str) -> str:
    """`M H * * DOW` (numbers, lists, ranges, *) as an RRULE; day-of-month and month must be *."""
    fields = cron.split()
    if len(fields) != 5 or fields[2] != "*" or fields[3] != "*":
        raise ValueError(f"cron `{cron}`: only `minute hour * * day-of-week` is supported")
    minutes, hours, days = (
        _cron_field(f, limit) for f, limit in ((fields[0], 59), (fields[1], 23), (fields[4], 7))
    )
    rule = f"FREQ=DAILY;BYHOUR={_join(hours)};BYMINUTE={_join(minutes)};BYSECOND=0"
    if days is not None:
        rule = (
            rule.replace("DAILY", "WEEKLY") + ";BYDAY=" + ",".join(dict.fromkeys(_CRON_DAYS[d] for d in days))
        )
    return rule


def _cron_field(text: str, limit: int) -> list[int] | None:
    if text == "*":
        return None if limit == 7 else list(range(limit + 1))
    values: list[int] = []
    for part in text.split(","):
        low, _, high = part.partition("-")
        values += range(int(low), int(high or low) + 1)
    if any(v < 0 or v > limit for v in values):
        raise ValueError(f"cron field `{text}` is out of range 0-{limit}")
    return values


def _join(values: list[int] | None) -> str:
    return ",".join(str(v) for v in values or [0])


def occurrences(rule: str, zone: str, after: datetime, count: int = 1) -> list[datetime]:
    """The next `count` instants strictly after `after` (aware), expanded in `zone`."""
    start = wall(after, zone).replace(second=0, microsecond=0) - timedelta(days=1)
    text = rule.removeprefix("RRULE:")
    series = rrulestr(text, dtstart=start.replace(hour=0, minute=0))
    found: list[datetime] = []
    for naive in series.xafter(start, count=count + 50, inc=True):
        instant = localize(naive, zone)
        if instant > after:
            found.append(instant)
            if len(found) == count:
                break
    return found


def check_rule(rule: str, zone: str) -> None:
    """Raise CommandError when `rule` or `zone` cannot be expanded."""
    try:
        occurrences(rule, zone, datetime(2025, 1, 1, tzinfo=timezone.utc))
    except Exception as exc:
        raise CommandError(f"schedule rule `{rule}` in {zone} is not usable: {exc}") from None
