"""The `maintenance`, `schedules` and `reviews` sections of the config: the default maintenance window,
its notices and smoke test, the recurring reviews and their thresholds. Validated once at start-up."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, Field, HttpUrl, field_validator, model_validator

from commands.recurrence import cron_to_rrule, occurrences

_EPOCH = datetime(2025, 1, 1, tzinfo=timezone.utc)
# status: the morning check; capacity, performance, incidents: Monday, Wednesday, Friday; handover: the
# Monday on-call handover; cost, security, updates: the monthly reviews; runbook: the quarterly one
ReviewKind = Literal[
    "status", "capacity", "performance", "incidents", "handover", "cost", "security", "updates", "runbook"
]


class _Section(BaseModel):
    model_config = {"extra": "forbid"}


def _zone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            f"unknown time zone {value!r}; use an IANA name such as America/Los_Angeles"
        ) from None
    return value


class WindowRule(_Section):
    """The manual's default: the first Saturday of each month, 02:00-06:00 Pacific."""

    rrule: str = "FREQ=MONTHLY;BYDAY=+1SA;BYHOUR=2;BYMINUTE=0;BYSECOND=0"
    duration_minutes: int = Field(240, gt=0, le=24 * 60)
    zone: str = "America/Los_Angeles"
    enabled: bool = Field(True, description="false: only windows scheduled with /llm maintenance schedule")

    _check_zone = field_validator("zone")(_zone)


class SmokeTest(_Section):
    inference_url: HttpUrl | None = Field(
        None, description="vLLM's OpenAI API, e.g. http://vllm-llama-3-70b:8000"
    )
    rag_url: HttpUrl | None = Field(None, description="the RAG service, e.g. http://rag-service:8080")
    model: str = "meta-llama/Meta-Llama-3-70B-Instruct"
    timeout_seconds: float = Field(10.0, gt=0, le=120)


class MaintenanceSettings(_Section):
    window: WindowRule = Field(default_factory=WindowRule)
    announce_before_minutes: int = Field(3 * 24 * 60, ge=0, description="the announcement; 0 turns it off")
    remind_before_minutes: int = Field(60, ge=0, description="the reminder; 0 turns it off")
    late_policy: Literal["post_late", "skip"] = Field(
        "post_late", description="a notice due while the bot was down: post it with a note, or skip it"
    )
    late_grace_minutes: float = Field(10, ge=0, description="later than this counts as late")
    hold_escalation: bool = Field(True, description="hold incident escalation during a window or a drain")
    pagerduty_services: list[str] = Field(
        default_factory=list,
        description="PagerDuty services (ids or names) put in a PagerDuty maintenance window while a window "
        "is open or the platform drained, so PagerDuty pages nobody meanwhile; empty: PagerDuty is not told",
    )
    metrics_check_minutes: float = Field(30, gt=0, description="the manual's 'monitor for 30 minutes'")
    smoke: SmokeTest = Field(default_factory=SmokeTest)


class Schedule(_Section):
    """One recurring post: an RRULE (or a five-field cron) expanded in `zone`."""

    review: ReviewKind
    rrule: str | None = None
    cron: str | None = None
    zone: str = "America/Los_Angeles"
    enabled: bool = True

    _check_zone = field_validator("zone")(_zone)

    @model_validator(mode="after")
    def _one_rule(self) -> "Schedule":
        if (self.rrule is None) == (self.cron is None):
            raise ValueError("give exactly one of rrule or cron")
        occurrences(self.rule, self.zone, _EPOCH)  # raises ValueError on a bad rule
        return self

    @property
    def rule(self) -> str:
        return self.rrule or cron_to_rrule(self.cron or "")


def default_schedules() -> dict[str, Schedule]:
    """The manual's rhythm, in America/Los_Angeles: daily, weekly, the Monday 09:00 on-call handover,
    monthly (cost on the first weekday, for the month just closed; security on the first Tuesday; model
    updates on the second, well before the next first-Saturday window) and quarterly (runbooks, on the
    first Monday of each quarter)."""
    at_nine, at_ten = "BYHOUR=9;BYMINUTE=0;BYSECOND=0", "BYHOUR=10;BYMINUTE=0;BYSECOND=0"
    return {
        "morning-check": Schedule(review="status", rrule=f"FREQ=DAILY;{at_nine}"),
        "oncall-handover": Schedule(review="handover", rrule=f"FREQ=WEEKLY;BYDAY=MO;{at_nine}"),
        "capacity-review": Schedule(review="capacity", rrule=f"FREQ=WEEKLY;BYDAY=MO;{at_ten}"),
        "performance-report": Schedule(review="performance", rrule=f"FREQ=WEEKLY;BYDAY=WE;{at_ten}"),
        "incident-review": Schedule(
            review="incidents", rrule="FREQ=WEEKLY;BYDAY=FR;BYHOUR=14;BYMINUTE=0;BYSECOND=0"
        ),
        "cost-review": Schedule(
            review="cost", rrule=f"FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=1;{at_ten}"
        ),
        "security-audit": Schedule(review="security", rrule=f"FREQ=MONTHLY;BYDAY=+1TU;{at_ten}"),
        "model-updates": Schedule(review="updates", rrule=f"FREQ=MONTHLY;BYDAY=+2TU;{at_ten}"),
        "runbook-review": Schedule(
            review="runbook", rrule=f"FREQ=YEARLY;BYMONTH=1,4,7,10;BYDAY=+1MO;{at_ten}"
        ),
    }


class ReviewThresholds(_Section):
    scale_up_percent: float = Field(80, gt=0, le=100, description="7-day GPU average above this: scale up")
    scale_down_percent: float = Field(40, ge=0, lt=100, description="below this: scale down")
    capacity_deployment: str = Field(
        "vllm-llama-3-70b", description="what the capacity review offers to scale"
    )
    checklist_role: Literal["viewer", "operator", "approver"] = Field(
        "operator", description="role needed to tick a review's action items"
    )
    runbook_owner: str = Field(
        "Platform Engineering Team",
        description="who updates the runbooks: a name, or a Slack user (U…) or group (S…) id",
    )
    runbook_due_days: int = Field(
        14, ge=1, le=90, description="the quarterly runbook review is due this many days after its reminder"
    )
