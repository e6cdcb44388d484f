"""The Monday 09:00 on-call handover (the manual's rotation runs Monday 9 AM to Monday 9 AM): this week's
primary and secondary from PagerDuty's on-calls, last week's incidents and the report drafts still
open. Who is on call is read by the caller (the PagerDuty client lives in the bot) and passed in, as
is the incident store (commands.ports.IncidentHistory)."""

from __future__ import annotations

from datetime import datetime, timedelta

from pydantic import BaseModel

from commands.blockkit import context, escape, header, mention, section
from commands.incident_review import IncidentLine
from commands.oncall_policy import OnCallPolicy
from commands.ports import IncidentHistory
from integrations.pagerduty_models import OnCall

ROLES = ("Primary", "Secondary")
ALL = ("triggered", "acknowledged", "resolved")


class Holder(BaseModel):
    role: str
    name: str  # as PagerDuty (or the config) names them
    user: str | None = None  # their Slack user id, when known


class Handover(BaseModel):
    at: datetime
    holders: list[Holder]
    source: str  # "PagerDuty", or why it is the config's fallback
    incidents: list[IncidentLine]
    drafts: list[IncidentLine]  # resolved, report not marked done


def holders(oncalls: list[OnCall], policy: OnCallPolicy) -> list[Holder]:
    """This week's Primary and Secondary: the people at those roles' PagerDuty levels."""
    slack = {email.lower(): user for user, email in policy.pagerduty_emails.items()}
    found = []
    for role in ROLES:
        level = policy.pagerduty_levels.get(role)
        found += [
            Holder(role=role, name=o.name, user=slack.get(o.email.lower()))
            for o in oncalls
            if o.level == level
        ]
    return found


def from_config(policy: OnCallPolicy) -> list[Holder]:
    return [Holder(role=role, name="", user=policy.people[role]) for role in ROLES if role in policy.people]


def handover(
    oncalls: list[OnCall] | str, policy: OnCallPolicy, history: IncidentHistory | None, now: datetime
) -> Handover:
    """`oncalls` is PagerDuty's answer, or a sentence saying why there is none."""
    if isinstance(oncalls, str):
        people, source = from_config(policy), f"the bot's config: {oncalls}"
    else:
        people, source = holders(oncalls, policy), "PagerDuty"
    week = (now - timedelta(days=7)).timestamp()
    rows = history.incidents(ALL) if history is not None else []
    return Handover(
        at=now,
        holders=people,
        source=source,
        incidents=[_line(i) for i in rows if i.created_at >= week],
        drafts=[_line(i) for i in rows if i.status == "resolved" and not i.report_done],
    )


def _line(i) -> IncidentLine:
    return IncidentLine(
        number=i.number, title=i.title, severity=i.severity, status=i.status, report_done=bool(i.report_done)
    )


def _who(holder: Holder) -> str:
    if holder.user:
        return f"{mention(holder.user)} ({escape(holder.name)})" if holder.name else mention(holder.user)
    return escape(holder.name)


def _incident(i: IncidentLine) -> str:
    return f"• #{i.number} [{escape(i.severity)}] {escape(i.title)}: {escape(i.status)}"


def lines(h: Handover) -> list[str]:
    on_call = [f"• {x.role}: {_who(x)}" for x in h.holders] or ["• nobody found for Primary or Secondary"]
    out = [f"*On call this week* (from {escape(h.source)})", *on_call]
    out += [
        f"*Last week's incidents* ({len(h.incidents)})",
        *([_incident(i) for i in h.incidents] or ["• none"]),
    ]
    drafts = [f"• #{i.number} [{escape(i.severity)}] {escape(i.title)}" for i in h.drafts]
    return out + [f"*Open report drafts* ({len(h.drafts)})", *(drafts or ["• none"])]


def render_text(h: Handover) -> str:
    return "\n".join([f"*On-call handover* (week of {h.at:%Y-%m-%d})", *lines(h)])


def render(h: Handover) -> list[dict]:
    return [
        header(f"On-call handover: week of {h.at:%d %b %Y}"),
        section("\n".join(lines(h))),
        context(
            "Primary responds within 15 minutes, Secondary within 30; the rotation runs Monday 09:00 to "
            "Monday 09:00. Drafts are marked done in their incident's thread."
        ),
    ]
