"""What `/llm alerts` and `/llm silences` show: the alerts firing now (from Alertmanager, or from
Prometheus' `ALERTS` series when Alertmanager cannot answer) and the active silences, each with an
Expire button. Plain values in, Block Kit out; everything the alerts carry is escaped."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel

from commands.blockkit import button, code, context, escape, header, listing, section, when
from integrations.alertmanager import FiringAlert, Silence
from integrations.prometheus import Sample

EXPIRE = "alert:expire"
FIRING_QUERY = 'ALERTS{alertstate="firing"}'
SHOWN_SILENCES = 40  # a message holds 50 blocks
_RANK = {"critical": 0, "error": 1, "warning": 2, "info": 3}
_ICON = {"critical": "🔴", "error": "🟠", "warning": "🟡", "info": "🔵"}


class Firing(BaseModel):
    name: str
    severity: str = ""
    labels: dict[str, str] = {}
    summary: str = ""
    since: datetime | None = None
    silenced: bool = False


def from_alertmanager(alert: FiringAlert) -> Firing:
    return Firing(
        name=alert.name,
        severity=alert.labels.get("severity", ""),
        labels=alert.labels,
        summary=alert.annotations.get("summary", ""),
        since=alert.starts_at,
        silenced=alert.state == "suppressed",
    )


def from_prometheus(sample: Sample) -> Firing:
    """An `ALERTS` series: labels only (Prometheus keeps the annotations out of it)."""
    return Firing(
        name=sample.labels.get("alertname", "?"),
        severity=sample.labels.get("severity", ""),
        labels=sample.labels,
    )


def firing_text(alerts: list[Firing], source: str, note: str = "") -> str:
    count = f"{len(alerts)} alert{'s' if len(alerts) != 1 else ''} firing" if alerts else "Nothing is firing"
    return f"{count} (from {source})" + (f". {note}" if note else "")


def render_firing(alerts: list[Firing], source: str, note: str = "") -> list[dict]:
    ordered = sorted(alerts, key=lambda a: (_RANK.get(a.severity, 9), a.name))
    blocks = [header(f"🔥 {firing_text(alerts, source)}")]
    if note:
        blocks.append(context(note))
    if ordered:
        blocks.append(listing("Firing now", [_alert_line(a) for a in ordered]))
    else:
        blocks.append(section("✅ Nothing is firing."))
    return blocks


def _alert_line(alert: Firing) -> str:
    where = "/".join(escape(alert.labels[k]) for k in ("namespace", "service", "pod") if alert.labels.get(k))
    parts = [f"{_ICON.get(alert.severity, '⚪')} *{escape(alert.name)}*"]
    if where:
        parts.append(f"({where})")
    if alert.since:
        parts.append(f"since {when(alert.since.timestamp(), '{date_short_pretty} {time}')}")
    line = " ".join(parts) + (f": {escape(alert.summary[:200])}" if alert.summary else "")
    return line + (" 🔕 silenced" if alert.silenced else "")


def active(silences: list[Silence]) -> list[Silence]:
    return sorted((s for s in silences if s.state == "active"), key=lambda s: s.ends_at)


def silences_text(silences: list[Silence]) -> str:
    shown = active(silences)
    return f"{len(shown)} active silence{'s' if len(shown) != 1 else ''}" if shown else "No active silences"


def render_silences(silences: list[Silence]) -> list[dict]:
    shown = active(silences)
    blocks = [header(f"🔕 {silences_text(silences)}")]
    blocks += [_silence_block(s) for s in shown[:SHOWN_SILENCES]]
    if len(shown) > SHOWN_SILENCES:
        blocks.append(context(f"…and {len(shown) - SHOWN_SILENCES} more (Alertmanager's UI lists them all)"))
    return blocks


def _silence_block(silence: Silence) -> dict:
    matchers = ", ".join(f'{m.name}{_op(m.is_regex, m.is_equal)}"{m.value}"' for m in silence.matchers)
    text = (
        f"{code(matchers[:500])} until {when(silence.ends_at.timestamp(), '{date_short_pretty} {time}')}\n"
        f"by {escape(silence.created_by[:100])}: {escape(silence.comment[:600])}"
    )
    return {**section(text), "accessory": button("Expire", EXPIRE, silence.id, "danger")}


def _op(is_regex: bool, is_equal: bool) -> str:
    return ("=~" if is_regex else "=") if is_equal else ("!~" if is_regex else "!=")
