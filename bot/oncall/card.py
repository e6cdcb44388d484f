"""An incident thread as Block Kit: the root (severity, title, service, status, assignee, link, age,
and buttons that follow the state), the P0 announcement, the checklist with its checkboxes, who ticked
what and when, and the buttons of items that carry a command. Everything PagerDuty wrote is escaped.
Action ids are constants, matched exactly."""

from __future__ import annotations

from bot.state.incidents import Incident, Tick
from commands.blockkit import actor, button, escape, link, when
from commands.blockkit import checklist as checkboxes
from commands.oncall_policy import ChecklistItem
from commands.platform import Links

ACK, RESOLVE, NOTE = "incident:ack", "incident:resolve", "incident:note"
ESCALATE, TAKE = "incident:escalate", "incident:take"  # PagerDuty cannot un-acknowledge: these can
REPORT_DONE = "incident:report_done"
TICK, RUN = "checklist:tick", "checklist:run"
# the quick-diagnostics row under the root: action id -> (label, the read-only verb it runs into the thread)
DIAGNOSE = {
    "incident:diagnose:status": ("Status", "status"),
    "incident:diagnose:pods": ("Pods", "pods"),
    "incident:diagnose:events": ("Events", "events"),
    "incident:diagnose:errors": ("Error logs", "logs errors"),
    "incident:diagnose:gpu": ("GPU", "gpu"),
}

_ICONS = {"P0": "🔴", "P1": "🟠", "P2": "🟡", "P3": "🔵"}
_STATUS = {"triggered": "🚨 Triggered", "acknowledged": "👀 Acknowledged", "resolved": "✅ Resolved"}


def title(incident: Incident) -> str:
    """Plain text (headers, lists): not escaped here; `title_mrkdwn` is for mrkdwn."""
    return f"{_ICONS.get(incident.severity, '⚪')} {incident.severity} · #{incident.number} {incident.title}"[
        :150
    ]


def title_mrkdwn(incident: Incident) -> str:
    return escape(title(incident))


def root(incident: Incident, level_name: str = "") -> tuple[str, list[dict]]:
    pd_link = (
        link(incident.html_url, f"#{incident.number} in PagerDuty")
        if incident.html_url
        else f"#{incident.number}"
    )
    fields = [
        ("Severity", incident.severity),
        ("Status", _STATUS.get(incident.status, incident.status)),
        ("Service", escape(incident.service or "—")),
        ("Assignee", escape(incident.assignee or "—")),
        ("Opened", when(incident.created_at, "{ago}")),
        ("PagerDuty", pd_link),
    ]
    blocks: list[dict] = [
        {"type": "header", "text": {"type": "plain_text", "text": title(incident)}},
        {"type": "section", "fields": [{"type": "mrkdwn", "text": f"*{k}*\n{v}"[:2000]} for k, v in fields]},
        {"type": "context", "elements": [{"type": "mrkdwn", "text": _context(incident, level_name)}]},
    ]
    if incident.status != "resolved":
        blocks += [_buttons(incident), _diagnostics(incident)]
    return f"{title_mrkdwn(incident)} ({incident.status})", blocks


def _context(incident: Incident, level_name: str) -> str:
    if incident.status == "resolved" and incident.resolved_at:
        took = duration(incident.resolved_at - incident.created_at)
        return f"Resolved {when(incident.resolved_at)} after {took}" + _by(incident.resolved_by)
    if incident.status == "acknowledged":
        return f"Acknowledged{_by(incident.acknowledged_by)}: escalation stopped"
    return f"Escalation level: {escape(level_name or 'Primary')} · checklist and updates in the thread"


def _by(who: str) -> str:
    return f" by {actor(who)}" if who else ""


def _buttons(incident: Incident) -> dict:
    first = [button("Acknowledge", ACK, incident.id, "primary")] if incident.status == "triggered" else []
    return {
        "type": "actions",
        "block_id": f"incident-{incident.id}",
        "elements": [
            *first,
            button("Escalate", ESCALATE, incident.id),
            button("Reassign to me", TAKE, incident.id),
            button("Resolve", RESOLVE, incident.id, "danger"),
            button("Add note", NOTE, incident.id),
        ],
    }


def _diagnostics(incident: Incident) -> dict:
    """A second row: each button answers in the thread, as if its command were typed there."""
    return {
        "type": "actions",
        "block_id": f"incident-diagnose-{incident.id}",
        "elements": [button(label, action_id, incident.id) for action_id, (label, _) in DIAGNOSE.items()],
    }


def announcement(incident: Incident, channel: str) -> tuple[str, list[dict]]:
    text = f"🔴 P0 incident: #{incident.number} {escape(incident.title)}. Follow it in <#{channel}>."
    return text, [{"type": "section", "text": {"type": "mrkdwn", "text": text[:2900]}}]


def checklist(
    incident: Incident,
    items: list[ChecklistItem],
    ticks: dict[int, Tick],
    scale_target: str = "",
    links: Links | None = None,
) -> tuple[str, list[dict]]:
    texts = [item.text for item in items]
    head = f"*{incident.severity} response checklist*"
    blocks = checkboxes(head, texts, incident.id, ticks, TICK, f"checklist-{incident.id}")
    done = sum(1 for i in ticks if i < len(items))
    pages = _links(items, links)
    if pages:
        blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": pages}]})
    runs = [
        button(_run_label(item, scale_target), RUN, f"{incident.id}|{i}")
        for i, item in enumerate(items)
        if item.command
    ]
    if runs and incident.status != "resolved":
        blocks.append({"type": "actions", "block_id": f"checklist-run-{incident.id}", "elements": runs[:5]})
    return f"{incident.severity} response checklist for #{incident.number} ({done}/{len(items)} done)", blocks


def _links(items: list[ChecklistItem], links: Links | None) -> str:
    """The configured pages the items point at ("Check dashboards" -> links.grafana), one line."""
    labels = {"grafana": "Grafana dashboards", "prometheus": "Prometheus", "runbook": "the runbook"}
    found = {}
    for item in items:
        url = getattr(links, item.link, None) if links is not None and item.link else None
        if url:
            found.setdefault(item.link, f"📊 {escape(item.text)}: {link(str(url), labels[item.link])}")
    return " · ".join(found.values())


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
                "elements": [button("Mark report done", REPORT_DONE, incident.id, "primary")],
            }
        )
    return blocks


def duration(seconds: float) -> str:
    minutes = int(seconds // 60)
    if minutes < 60:
        return f"{minutes} min"
    return f"{minutes // 60} h {minutes % 60:02d} min"
