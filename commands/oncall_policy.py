"""The manual's On-Call Responsibilities as data: severities, the escalation matrix, business hours
for P3, response checklists and who is who. Loaded from the `oncall` section of the config."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any, Literal
from zoneinfo import ZoneInfo

from pydantic import BaseModel, Field, model_validator

Severity = Literal["P0", "P1", "P2", "P3"]
SEVERITIES: tuple[str, ...] = ("P0", "P1", "P2", "P3")


class Strict(BaseModel):
    model_config = {"extra": "forbid"}


class Level(Strict):
    name: str = Field(description="Primary, Secondary, Manager, CTO, Team Lead")
    pagerduty_level: int = Field(ge=1, description="the level in the PagerDuty escalation policy")


class Escalation(Strict):
    levels: list[Level] = Field(description="names from `pagerduty_levels`, or {name, pagerduty_level}")
    minutes: float | None = Field(None, gt=0, description="per level; None: next business day")


class ChecklistItem(Strict):
    text: str
    observes: Literal["acknowledged", "posted", "resolved", "report", "weekly"] | None = Field(
        None, description="what ticks it by itself; weekly: the incident is listed in the Wednesday report"
    )
    command: str | None = Field(None, description="a /llm command offered as a button, e.g. 'status'")
    monitor_minutes: float | None = Field(None, gt=0, description="ticking it starts a monitoring window")
    link: Literal["grafana", "prometheus", "runbook"] | None = Field(
        None, description="a `links` entry shown beside it when configured"
    )


class BusinessHours(Strict):
    zone: str = "America/Los_Angeles"
    start: time = time(9, 0)
    end: time = time(17, 0)
    weekend_days: list[int] = Field(default_factory=lambda: [5, 6], description="0 = Monday")
    holidays: list[date] = Field(default_factory=list)

    def next_business_start(self, now: datetime) -> datetime:
        """The start of business hours on the first business day after `now`'s day."""
        zone = ZoneInfo(self.zone)
        day = now.astimezone(zone).date() + timedelta(days=1)
        while day.weekday() in self.weekend_days or day in self.holidays:
            day += timedelta(days=1)
        return datetime.combine(day, self.start, tzinfo=zone)


# who sits at which level of the PagerDuty escalation policy: Manager (P0) and Team Lead (P1/P2) apart
PAGERDUTY_LEVELS = {"Primary": 1, "Secondary": 2, "Manager": 3, "Team Lead": 4, "CTO": 5}
# the manual's escalation matrix, by name; names are looked up in `pagerduty_levels`
MATRIX: dict[str, tuple[tuple[str, ...], float | None]] = {
    "P0": (("Primary", "Secondary", "Manager", "CTO"), 15),
    "P1": (("Primary", "Secondary", "Team Lead"), 30),
    "P2": (("Primary", "Team Lead"), 120),
    "P3": (("Primary",), None),
}


def _matrix() -> dict[str, dict[str, Any]]:
    return {sev: {"levels": list(names), "minutes": minutes} for sev, (names, minutes) in MATRIX.items()}


def _resolved(escalation: Any, levels: dict[str, int]) -> Any:
    """Level names in the escalation matrix as {name, pagerduty_level}, from `levels`."""
    if not isinstance(escalation, dict):
        return escalation
    out = {}
    for severity, path in escalation.items():
        if isinstance(path, dict) and isinstance(path.get("levels"), list):
            path = {**path, "levels": [_named(level, levels) for level in path["levels"]]}
        out[severity] = path
    return out


def _named(level: Any, levels: dict[str, int]) -> Any:
    if not isinstance(level, str):
        return level
    if level not in levels:
        known = ", ".join(levels) or "none"
        raise ValueError(f"escalation level {level!r} is not in oncall.pagerduty_levels (known: {known})")
    return {"name": level, "pagerduty_level": levels[level]}


def _item(text: str, **extra) -> ChecklistItem:
    return ChecklistItem(text=text, **extra)


def _checklists() -> dict[str, list[ChecklistItem]]:
    return {
        "P0": [
            _item("Acknowledge in PagerDuty", observes="acknowledged"),
            _item("Post in #incident-response", observes="posted"),
            _item("Run quick diagnostics", command="status"),
            _item("Implement fix or rollback"),
            _item("Monitor for 30 minutes", monitor_minutes=30),
            _item("Post resolution", observes="resolved"),
            _item("Write the incident report within 24 hours", observes="report"),
        ],
        "P1": [
            _item("Acknowledge in PagerDuty", observes="acknowledged"),
            _item("Check dashboards", command="status", link="grafana"),
            _item("Identify the bottleneck"),
            _item("Scale resources if needed", command="scale"),
            _item("Monitor for 15 minutes", monitor_minutes=15),
            _item("Document in the weekly report", observes="weekly"),
        ],
        "P2": [
            _item("Acknowledge in PagerDuty", observes="acknowledged"),
            _item("Check dashboards", command="status", link="grafana"),
            _item("Fix or schedule the fix"),
            _item("Document in the weekly report", observes="weekly"),
        ],
        "P3": [
            _item("Acknowledge in PagerDuty", observes="acknowledged"),
            _item("Triage next business day"),
            _item("File a ticket for the fix"),
        ],
    }


class OnCallPolicy(Strict):
    pagerduty_levels: dict[str, int] = Field(
        default_factory=lambda: dict(PAGERDUTY_LEVELS),
        description="role name -> its level in the PagerDuty escalation policy",
    )
    escalation: dict[Severity, Escalation] = Field(
        default_factory=_matrix, description="per severity: the levels by name, in order"
    )
    business_hours: BusinessHours = Field(default_factory=BusinessHours)
    priorities: dict[str, Severity] = Field(
        default_factory=lambda: {"P0": "P0", "P1": "P1", "P2": "P2", "P3": "P3", "P4": "P3", "P5": "P3"},
        description="PagerDuty priority name -> severity",
    )
    urgency: dict[str, Severity] = Field(
        default_factory=lambda: {"high": "P1", "low": "P3"},
        description="severity when an incident has no priority",
    )
    checklists: dict[Severity, list[ChecklistItem]] = Field(default_factory=_checklists)
    pagerduty_emails: dict[str, str] = Field(
        default_factory=dict, description="Slack user id -> PagerDuty login email"
    )
    people: dict[str, str] = Field(
        default_factory=dict,
        description="level name -> Slack user id, when PagerDuty on-calls are unavailable",
    )
    hold_during_maintenance: list[str] = Field(
        default_factory=list,
        description="PagerDuty service names whose escalation waits "
        "while a maintenance window is open; empty: all",
    )
    escalation_policy_id: str = Field("", description="PagerDuty escalation policy `/llm oncall` shows")
    scale_deployment: str = Field("vllm-llama-3-70b", description="what the 'scale resources' button scales")
    report_reminder_hours: float = Field(24, gt=0)
    checklist_role: Literal["viewer", "operator", "approver"] = Field(
        "operator", description="role needed to tick checklist items and mark a report done"
    )
    action_role: Literal["viewer", "operator", "approver"] = Field(
        "operator", description="role needed for the incident buttons that act in PagerDuty"
    )

    @property
    def weekly_severities(self) -> list[str]:
        """The severities whose checklist says to document the incident in the weekly report."""
        return [sev for sev, items in self.checklists.items() if any(i.observes == "weekly" for i in items)]

    storm_threshold: int = Field(
        10,
        ge=1,
        description="more incidents than this opening within a minute is a "
        "storm: one digest message lists them first",
    )

    @model_validator(mode="before")
    @classmethod
    def _levels_by_name(cls, given: Any) -> Any:
        """The matrix names levels; their numbers come from `pagerduty_levels` (the defaults too)."""
        if not isinstance(given, dict):
            return given
        levels = given.get("pagerduty_levels") or PAGERDUTY_LEVELS
        if not isinstance(levels, dict):
            return given
        return {**given, "escalation": _resolved(given.get("escalation") or _matrix(), levels)}

    def severity(self, priority: str | None, urgency: str | None) -> str:
        if priority and priority in self.priorities:
            return self.priorities[priority]
        return self.urgency.get(urgency or "", "P3")

    def delay_seconds(self, severity: str, now: datetime) -> float:
        minutes = self.escalation[severity].minutes
        if minutes is not None:
            return minutes * 60
        return max((self.business_hours.next_business_start(now) - now).total_seconds(), 0.0)
