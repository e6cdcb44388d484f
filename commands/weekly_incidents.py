"""The weekly report's incidents: those opened in the week whose checklist says to document them in the
weekly report (P1 and P2 by default), read from the incident store (commands.ports.IncidentHistory)."""

from __future__ import annotations

from datetime import datetime

from commands.blockkit import escape
from commands.incident_review import IncidentLine
from commands.ports import IncidentHistory

ALL = ("triggered", "acknowledged", "resolved")


def documented(history: IncidentHistory, since: datetime, severities: list[str]) -> list[IncidentLine]:
    """The incidents opened since `since` whose severity the weekly report documents."""
    opened = history.incidents(ALL, since=since.timestamp())
    return [IncidentLine.of(i) for i in opened if i.severity in severities]


def which(severities: list[str]) -> str:
    return "/".join(severities) or "no"


def incident_lines(incidents: list[IncidentLine] | None) -> list[str]:
    """mrkdwn: titles came from PagerDuty."""
    return [
        f"• #{i.number} [{escape(i.severity)}] {escape(i.title)}: {escape(i.status)}"
        + (", report done" if i.report_done else "")
        for i in incidents or []
    ]
