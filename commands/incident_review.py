"""The Friday incident review: the week's incidents from the on-call store, with their report status
and what is still open. The store is passed in (it reads rows, nothing else)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel

from commands.blockkit import escape
from commands.ports import IncidentHistory


class IncidentLine(BaseModel):
    number: int
    title: str
    severity: str
    status: str
    report_done: bool

    @classmethod
    def of(cls, incident) -> IncidentLine:
        """The line for an incident row (commands.ports.IncidentHistory's)."""
        return cls(
            number=incident.number,
            title=incident.title,
            severity=incident.severity,
            status=incident.status,
            report_done=bool(incident.report_done),
        )


class IncidentReview(BaseModel):
    since: datetime
    incidents: list[IncidentLine]
    available: bool = True  # False: the bot has no incident store to read


def review(history: IncidentHistory | None, since: datetime) -> IncidentReview:
    if history is None:
        return IncidentReview(since=since, incidents=[], available=False)
    rows = history.incidents(("triggered", "acknowledged", "resolved"))
    # this week's incidents, plus older ones still open or still without their report
    week = [
        i for i in rows if i.created_at >= since.timestamp() or i.status != "resolved" or not i.report_done
    ]
    return IncidentReview(since=since, incidents=[IncidentLine.of(i) for i in week])


def render_text(r: IncidentReview) -> str:
    head = f"*Weekly incident review* (since {r.since:%Y-%m-%d})"
    if not r.available:
        return head + "\nNo incident store yet: nothing to review."
    if not r.incidents:
        return head + "\nNo incidents this week. 🎉"
    lines = [
        f"• #{i.number} [{escape(i.severity)}] {escape(i.title)}: {escape(i.status)}, report "
        f"{'done' if i.report_done else '*not written*'}"
        for i in r.incidents
    ]
    open_items = sum(1 for i in r.incidents if i.status != "resolved" or not i.report_done)
    return "\n".join(
        [head, *lines, f"Open action items: {open_items} (unresolved incidents or missing reports)."]
    )


def render(r: IncidentReview) -> list[dict]:
    return [{"type": "section", "text": {"type": "mrkdwn", "text": render_text(r)[:2900]}}]
