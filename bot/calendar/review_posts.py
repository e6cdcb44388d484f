"""What each recurring review posts, read from the backends in the review's worker job: its blocks, its
notification text, its files, and a step to run in the job's closing transaction (the Wednesday report
ticks the incident checklists it documents). CHECKLISTS names the action items a review carries in its
thread; bot/calendar/checklist.py keeps their ticks."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from functools import partial
from typing import Callable

from bot.calendar import documented
from bot.oncall.thread import Thread
from bot.state import Effects, Store
from commands import (
    capacity,
    handover,
    incident_review,
    monthly,
    runbook_review,
    security,
    status,
    updates,
    weekly,
)
from commands.calendar_settings import ReviewThresholds
from commands.deps import Deps
from commands.spec import CommandSpec, FileOut
from integrations.errors import IntegrationError

CHECKLISTS: dict[str, tuple[str, tuple[str, ...]]] = {  # review kind -> (title, the manual's items)
    "cost": ("Action items", monthly.ACTIONS),
    "security": ("Action items", security.ACTIONS),
    "updates": ("Update procedure", updates.PROCEDURE),
    "runbook": ("Update process", runbook_review.STEPS),
}
HANDOVER_LOOKAHEAD = timedelta(hours=1)  # read the rotation a little into the week: a 09:00 handoff is done


@dataclass(frozen=True)
class Built:
    blocks: list[dict]
    text: str
    files: list[FileOut] = field(default_factory=list)
    then: Callable[[], Effects] | None = None  # run inside the job's closing transaction


class ReviewPosts:
    def __init__(
        self,
        store: Store,
        deps: Deps,
        clock,
        thresholds: ReviewThresholds,
        thread: Thread,
        pagerduty,
        find: Callable[[str], CommandSpec | None],
    ):
        self._store, self._deps, self._clock, self._thresholds = store, deps, clock, thresholds
        self._thread, self._pd, self._find = thread, pagerduty, find
        self._kinds: dict[str, Callable[[], Built]] = {
            "status": self._status,
            "capacity": self._capacity,
            "performance": self._performance,
            "incidents": self._incidents,
            "handover": self._handover,
            "cost": self._cost,
            "security": self._security,
            "updates": self._updates,
            "runbook": self._runbook,
        }

    def build(self, review: str) -> Built:
        return self._kinds[review]()

    def _status(self) -> Built:
        report = status.run(status.StatusRequest(), self._deps)
        return Built(status.render(report), status.render_text(report))

    def _capacity(self) -> Built:
        result = capacity.review(self._deps, self._thresholds)
        return Built(capacity.render(result), capacity.render_text(result))

    def _performance(self) -> Built:
        """The weekly report, the week's incidents its checklists document, and `week-NN.md`."""
        report = weekly.run(weekly.ReportWeeklyRequest(), self._deps)  # lists the incidents it documents
        since = report.at - weekly.WEEK
        numbers = {i.number for i in report.incidents or []}
        then = partial(
            documented.tick_documented,
            self._store,
            self._thread,
            numbers,
            since.timestamp(),
            self._clock.time(),
        )
        return Built(weekly.render(report), weekly.render_text(report), weekly.files(report), then)

    def _incidents(self) -> Built:
        result = incident_review.review(self._store, self._clock.now() - timedelta(days=7))
        return Built(incident_review.render(result), incident_review.render_text(result))

    def _handover(self) -> Built:
        now, policy = self._clock.now(), self._thread.policy
        result = handover.handover(self._oncalls(now + HANDOVER_LOOKAHEAD), policy, self._store, now)
        return Built(handover.render(result), handover.render_text(result))

    def _oncalls(self, at):
        """PagerDuty's on-calls for the policy, or why there are none (one line, never the whole post)."""
        policy_id = self._thread.policy.escalation_policy_id
        if not policy_id or self._pd is None:
            return "no PagerDuty escalation policy configured (oncall.escalation_policy_id)"
        try:
            return self._pd.oncalls(policy_id, at=at)
        except IntegrationError as exc:
            self._deps.on_backend_error(exc.system)
            return f"PagerDuty did not answer ({exc.message})"

    def _cost(self) -> Built:
        result = monthly.review(self._deps, self._find)
        return Built(monthly.render(result), monthly.render_text(result))

    def _security(self) -> Built:
        audit = security.run(security.AuditSecurityRequest(), self._deps)
        return Built(security.render(audit), f"*Monthly security audit*\n{security.render_text(audit)}")

    def _updates(self) -> Built:
        check = updates.run(updates.UpdatesRequest(), self._deps)
        return Built(updates.render(check), f"*Monthly model update check*\n{updates.render_text(check)}")

    def _runbook(self) -> Built:
        runbook = self._deps.links.runbook
        result = runbook_review.review(self._thresholds, self._clock.now(), str(runbook) if runbook else None)
        return Built(runbook_review.render(result), runbook_review.render_text(result))
