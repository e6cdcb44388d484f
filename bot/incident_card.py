"""An incident thread as Block Kit: the root (severity, title, service, status, assignee, link, age,
and buttons that follow the state), the P0 announcement, and the checklist with its checkboxes,
who ticked what and when, and the buttons of items that carry a command. Action ids are constants."""

from __future__ import annotations

from bot.approval_card import when
from bot.state.incidents import Incident, Tick
from commands.oncall import ChecklistItem

ACK, RESOLVE, NOTE, UNACK = "incident:ack", "incident:resolve", "incident:note", "incident:unack"
REPORT_DONE = "incident:report_done"
TICK, RUN = "checklist:tick", "checklist:run"

_ICONS = {"P0": "🔴", "P1": "🟠", "P2": "🟡", "P3": "🔵"}
_STATUS = {"triggered": "🚨 Triggered", "acknowledged": "👀 Acknowledged", "resolved": "✅ Resolved"}


def title(incident: Incident) -> str:
    return f"{_ICONS.get(incident.severity, '⚪')} {incident.severity} · #{incident.number} {incident.title}"[
        :150
    ]


def root(incident: Incident, level_name: str = "") -> tuple[str, list[dict]]:
    link = (
        f"<{incident.html_url}|#{incident.number} in PagerDuty>"
        if incident.html_url
        else f"#{incident.number}"
    )
    fields = [
        ("Severity", incident.severity),
        ("Status", _STATUS.get(incident.status, incident.status)),
        ("Service", incident.service or "—"),
        ("Assignee", incident.assignee or "—"),
        ("Opened", when(incident.created_at, "{ago}")),
        ("PagerDuty", link),
    ]
    blocks: list[dict] = [
        {"type": "header", "text": {"type": "plain_text", "text": title(incident)}},
        {"type": "section", "fields": [{"type": "mrkdwn", "text": f"*{k}*\n{v}"[:2000]} for k, v in fields]},
        {"type": "context", "elements": [{"type": "mrkdwn", "text": _context(incident, level_name)}]},
    ]
    if incident.status != "resolved":
        blocks.append(_buttons(incident))
    return f"{title(incident)} ({incident.status})", blocks


def _context(incident: Incident, level_name: str) -> str:
    if incident.status == "resolved" and incident.resolved_at:
        took = _duration(incident.resolved_at - incident.created_at)
        return f"Resolved {when(incident.resolved_at)} after {took}" + (
            f" by {incident.resolved_by}" if incident.resolved_by else ""
        )
    if incident.status == "acknowledged":
        return f"Acknowledged{' by ' + incident.acknowledged_by if incident.acknowledged_by else ''}: escalation stopped"
    return f"Escalation level: {level_name or 'Primary'} · checklist and updates in the thread"


def _buttons(incident: Incident) -> dict:
    first = (
        _button("Acknowledge", ACK, incident.id, "primary")
        if incident.status == "triggered"
        else _button("Unacknowledge", UNACK, incident.id)
    )
    return {
        "type": "actions",
        "block_id": f"incident-{incident.id}",
        "elements": [
            first,
            _button("Resolve", RESOLVE, incident.id, "danger"),
            _button("Add note", NOTE, incident.id),
        ],
    }


def _button(text: str, action_id: str, value: str, style: str | None = None) -> dict:
    button = {
        "type": "button",
        "action_id": action_id,
        "value": value,
        "text": {"type": "plain_text", "text": text},
    }
    if style:
        button["style"] = style
    return button


def announcement(incident: Incident, channel: str) -> tuple[str, list[dict]]:
    text = f"🔴 P0 incident: #{incident.number} {incident.title}. Follow it in <#{channel}>."
    return text, [{"type": "section", "text": {"type": "mrkdwn", "text": text[:2900]}}]


def checklist(
    incident: Incident, items: list[ChecklistItem], ticks: dict[int, Tick], scale_target: str = ""
) -> tuple[str, list[dict]]:
    options = [
        {"text": {"type": "mrkdwn", "text": item.text[:75]}, "value": f"{incident.id}|{i}"}
        for i, item in enumerate(items)
    ]
    box: dict = {"type": "checkboxes", "action_id": TICK, "options": options}
    ticked = [options[i] for i in sorted(ticks) if i < len(options)]
    if ticked:
        box["initial_options"] = ticked
    done = sum(1 for i in ticks if i < len(items))
    blocks: list[dict] = [
        {
            "type": "section",
            "text": {
                "type": "mrkdwn",
                "text": f"*{incident.severity} response checklist* ({done}/{len(items)} done)",
            },
        },
        {"type": "actions", "block_id": f"checklist-{incident.id}", "elements": [box]},
    ]
    if ticks:
        lines = [
            f"✓ {items[i].text}: <@{t.ticked_by}> {when(t.ticked_at)}"
            if t.ticked_by.startswith("U")
            else f"✓ {items[i].text}: {t.ticked_by} {when(t.ticked_at)}"
            for i, t in sorted(ticks.items())
            if i < len(items)
        ]
        blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": "\n".join(lines)[:2900]}]})
    runs = [
        _button(_run_label(item, scale_target), RUN, f"{incident.id}|{i}")
        for i, item in enumerate(items)
        if item.command
    ]
    if runs and incident.status != "resolved":
        blocks.append({"type": "actions", "block_id": f"checklist-run-{incident.id}", "elements": runs[:5]})
    return f"{incident.severity} response checklist for #{incident.number} ({done}/{len(items)} done)", blocks


def _run_label(item: ChecklistItem, scale_target: str) -> str:
    if item.command == "scale":
        return f"Scale {scale_target} +1"[:75]
    return f"Run /llm {item.command}"[:75]


def report_blocks(incident: Incident, text: str) -> list[dict]:
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": text[:2900]}}]
    if not incident.report_done:
        blocks.append(
            {
                "type": "actions",
                "elements": [_button("Mark report done", REPORT_DONE, incident.id, "primary")],
            }
        )
    return blocks


def _duration(seconds: float) -> str:
    minutes = int(seconds // 60)
    if minutes < 60:
        return f"{minutes} min"
    return f"{minutes // 60} h {minutes % 60:02d} min"


def duration(seconds: float) -> str:
    return _duration(seconds)
