"""An alert group's message as Block Kit: severity, alert names, where (namespace, service, pods),
summary and description, the runbook, the expression in Prometheus and the Grafana dashboard, who
silenced it until when, and the Silence / Unsilence buttons; plus the one line a critical group gets
in the platform channel. Everything Alertmanager carries is outside text and is escaped."""

from __future__ import annotations

from datetime import datetime

from bot.state.alerts import AlertGroup
from commands.blockkit import SECTION_LIMIT, actor, button, context, escape, link, section, when

SILENCE_1H, SILENCE_4H = "alert:silence_1h", "alert:silence_4h"
SILENCE_WINDOW, UNSILENCE = "alert:silence_window", "alert:unsilence"
SHOWN = 12  # alert lines in one message; the rest are counted

_RANK = {"critical": 0, "error": 1, "warning": 2, "info": 3}
_ICON = {"critical": "🔴", "error": "🟠", "warning": "🟡", "info": "🔵"}
_WHERE = ("namespace", "service", "pod")


def seconds(stamp: str) -> float | None:
    """An Alertmanager time as epoch seconds; None for its "no time" (year 1) and for nonsense."""
    try:
        moment = datetime.fromisoformat(stamp)
    except (TypeError, ValueError):
        return None
    return moment.timestamp() if moment.year > 1970 else None


def firing(group: AlertGroup) -> list[dict]:
    return [a for a in group.alerts if a["status"] == "firing"]


def severity(group: AlertGroup) -> str:
    """The gravest severity among the alerts still firing (all of them once resolved)."""
    found = [a["labels"].get("severity", "") for a in (firing(group) or group.alerts)]
    return min(found, key=lambda s: _RANK.get(s, 9)) if found else ""


def names(group: AlertGroup) -> str:
    seen = dict.fromkeys(a["labels"].get("alertname", "?") for a in group.alerts)
    return ", ".join(seen) or "alert"


def values(group: AlertGroup, label: str) -> list[str]:
    return list(dict.fromkeys(a["labels"][label] for a in group.alerts if a["labels"].get(label)))


def title(group: AlertGroup) -> str:
    """Plain text (the header): not escaped here."""
    level = severity(group)
    if group.state == "resolved":
        return f"✅ Resolved · {names(group)}"[:150]
    return f"{_ICON.get(level, '⚪')} {(level or 'alert').upper()} · {names(group)}"[:150]


def message(group: AlertGroup, grafana: str, now: float, window_end: float | None) -> tuple[str, list[dict]]:
    blocks = [
        {"type": "header", "text": {"type": "plain_text", "text": title(group)}},
        {"type": "section", "fields": _fields(group)},
        section(_alert_lines(group)),
        context(_links(group, grafana)),
    ]
    silenced = group.silenced_until > now
    if silenced:
        blocks.append(
            context(f"🔕 silenced by {actor(group.silenced_by)} until {when(group.silenced_until)}")
        )
    buttons = _buttons(group, silenced, window_end)
    if buttons:
        blocks.append({"type": "actions", "block_id": f"alert-{group.id}", "elements": buttons})
    return escape(f"{title(group)} ({_scope(group) or 'no labels'})")[:3000], blocks


def _fields(group: AlertGroup) -> list[dict]:
    live = firing(group)
    status = f"🔥 Firing ({len(live)} of {len(group.alerts)})" if live else "✅ All resolved"
    starts = [s for a in (live or group.alerts) if (s := seconds(a["startsAt"]))]
    pairs = [("Status", status), ("Severity", escape(severity(group) or "—"))]
    pairs += [(label.capitalize(), escape(", ".join(values(group, label))[:500] or "—")) for label in _WHERE]
    pairs.append(("Since", when(min(starts), "{date_short_pretty} {time}") if starts else "—"))
    if not live:
        ends = [e for a in group.alerts if (e := seconds(a.get("endsAt", "")))]
        pairs.append(("Resolved", when(max(ends)) if ends else "yes"))
    return [{"type": "mrkdwn", "text": f"*{k}*\n{v}"[:2000]} for k, v in pairs]


def _alert_lines(group: AlertGroup) -> str:
    """As many alert lines as fit beside the first description, then how many did not."""
    ordered = sorted(group.alerts, key=lambda a: (a["status"] != "firing", a["labels"].get("alertname", "")))
    described = next((d for a in ordered if (d := a["annotations"].get("description"))), "")
    quote = ("> " + escape(described[:900]).replace("\n", "\n> "))[:1000] if described else ""
    lines: list[str] = []
    room = SECTION_LIMIT - len(quote) - 40
    for alert in ordered[:SHOWN]:
        line = _line(alert)
        if len(line) + 1 > room:
            break
        lines.append(line)
        room -= len(line) + 1
    if len(lines) < len(ordered):
        lines.append(f"…and {len(ordered) - len(lines)} more")
    return "\n".join([*lines, quote] if quote else lines)


def _line(alert: dict) -> str:
    icon = "🔥" if alert["status"] == "firing" else "✅"
    labels = alert["labels"]
    where = ", ".join(f"{k} {escape(labels[k])}" for k in ("pod", "instance") if labels.get(k))
    summary = alert["annotations"].get("summary", "")
    text = f"{icon} *{escape(labels.get('alertname', '?'))}*" + (f" ({where})" if where else "")
    return (text + (f": {escape(summary[:300])}" if summary else ""))[:600]


def _links(group: AlertGroup, grafana: str) -> str:
    runbook = next((u for a in group.alerts if (u := a["annotations"].get("runbook_url", ""))), "")
    expression = next((u for a in group.alerts if (u := a.get("generatorURL", ""))), "")
    found = [
        link(runbook, "📖 Runbook") if runbook else "",
        link(expression, "📈 Expression in Prometheus") if expression else "",
        link(grafana, "📊 Grafana") if grafana else "",
        link(group.external_url, "🔔 Alertmanager") if group.external_url else "",
    ]
    return " · ".join(f for f in found if f) or "No runbook or links in this alert."


def _buttons(group: AlertGroup, silenced: bool, window_end: float | None) -> list[dict]:
    if silenced:
        return [button("Unsilence", UNSILENCE, group.id)]
    if group.state != "firing":
        return []
    found = [button("Silence 1 h", SILENCE_1H, group.id), button("Silence 4 h", SILENCE_4H, group.id)]
    if window_end is not None:
        found.append(button("Silence until the maintenance window ends", SILENCE_WINDOW, group.id))
    return found


def _scope(group: AlertGroup) -> str:
    return "/".join(v for label in ("namespace", "service") if (v := ", ".join(values(group, label))))


def critical_line(group: AlertGroup, alerts_channel: str) -> tuple[str, list[dict]]:
    """The platform channel's one line for a critical group's firing episode."""
    summary = next(
        (a["annotations"].get("summary", "") for a in firing(group) if a["annotations"].get("summary")), ""
    )
    where = f" ({escape(_scope(group))})" if _scope(group) else ""
    text = (
        f"🔴 Critical alert firing: *{escape(names(group))}*{where}"
        + (f": {escape(summary[:300])}" if summary else "")
        + f". Details and Silence buttons in {channel_ref(alerts_channel)}."
    )
    return text, [section(text)]


def channel_ref(channel: str) -> str:
    """A channel id as a link Slack renders; a name as plain #name."""
    if channel[:1] in ("C", "G") and channel.isalnum() and channel.isupper():
        return f"<#{channel}>"
    return "#" + escape(channel.lstrip("#"))
