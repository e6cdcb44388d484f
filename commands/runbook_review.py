"""The quarterly runbook review reminder (the manual's "Runbook Maintenance"): who owns it, when it is
due, and the manual's five-step update process as the post's checklist (STEPS)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from pydantic import BaseModel

from commands.blockkit import context, escape, header, link, mention, section
from commands.calendar_settings import ReviewThresholds

STEPS = (
    "Create PR with changes",
    "Get review from 2 team members",
    "Test changes in staging",
    "Merge to main",
    "Announce in #llm-platform",
)


class RunbookReview(BaseModel):
    quarter: str  # "Q2 2025"
    owner: str  # a name, or a Slack user (U…) or user group (S…) id
    due: date
    runbook: str | None = None  # links.runbook


def review(settings: ReviewThresholds, now: datetime, runbook: str | None = None) -> RunbookReview:
    quarter = f"Q{(now.month - 1) // 3 + 1} {now.year}"
    due = now.date() + timedelta(days=settings.runbook_due_days)
    return RunbookReview(quarter=quarter, owner=settings.runbook_owner, due=due, runbook=runbook)


def owner(r: RunbookReview) -> str:
    """A user group pings its members; a user id mentions them; anything else is plain text."""
    if r.owner[:1] == "S" and r.owner.isalnum() and r.owner.isupper():
        return f"<!subteam^{r.owner}>"
    return mention(r.owner)


def render_text(r: RunbookReview) -> str:
    where = f" ({link(r.runbook, 'the runbooks')})" if r.runbook else ""
    return (
        f"*Quarterly runbook review* ({escape(r.quarter)})\n"
        f"• Owner: {owner(r)}\n• Due: {r.due:%A %d %B %Y}\n"
        f"Read the runbooks{where} against this quarter's incidents and the Friday reviews' learnings, "
        "then change them through the update process in the thread."
    )


def render(r: RunbookReview) -> list[dict]:
    return [
        header(f"Quarterly runbook review: {r.quarter}"),
        section(render_text(r)),
        context("Review frequency: quarterly · the update process: " + " → ".join(STEPS)),
    ]
