"""The on-call worker jobs that read backends: the incident report draft (Markdown and a PNG chart per
metric into the thread), who is on call now (`/llm oncall`, to the asker alone or with `--public` to the
channel), and the checklist's "scale +1" button, which becomes a scale request from the clicker through
the approval engine."""

from __future__ import annotations

import logging

from bot import messages
from bot.answers import guarded
from bot.oncall import card
from bot.oncall.people import People
from bot.oncall.thread import Thread, root_key
from bot.state import Effects, JobResult, NewJob, Store
from bot.state import incidents as rows
from bot.state.incidents import TimelineEntry
from commands import incident_report
from commands.blockkit import escape, mention
from commands.deps import Deps
from commands.spec import FileOut
from integrations.errors import IntegrationError

log = logging.getLogger(__name__)


class Reports:
    def __init__(self, store: Store, thread: Thread, people: People, deps: Deps, clock, pagerduty):
        self._store, self._thread, self._people, self._deps = store, thread, people, deps
        self._clock, self._pd = clock, pagerduty

    def report(self, job) -> JobResult:
        """ "incident-report": the Markdown draft and a PNG chart per metric into the thread."""
        incident = self._store.incident(job.payload["incident_id"])
        end = incident.resolved_at or self._clock.time()
        stats = incident_report.snapshot(self._deps, incident.created_at, end)
        pngs, chart_note = incident_report.charts(stats)
        text = incident_report.markdown(incident, self._store.timeline(incident.id), stats, chart_note)
        channel, thread = self._thread.channel, root_key(incident.id)
        files = [
            FileOut(
                f"incident-{incident.number}-report.md", f"Incident #{incident.number} report draft", text
            )
        ]
        files += [
            FileOut(
                f"incident-{incident.number}-{name.lower().replace(' ', '-')}.png",
                f"Incident #{incident.number}: {name}",
                png,
            )
            for name, png in pngs
        ]
        summary = (
            f"📄 Report draft for #{incident.number} attached. Fill in root cause, impact and action items, "
            "then mark it done."
        )
        return JobResult(
            "ok",
            Effects.of(
                rows.update(incident.id, report=text),
                *[messages.file_post(channel, f, thread) for f in files],
                messages.post(channel, summary, card.report_blocks(incident, summary), thread_key=thread),
            ),
        )

    def oncall(self, job) -> JobResult:
        """ "incident-oncall": who holds each level now, from PagerDuty, else the config."""
        p, policy = job.payload, self._thread.policy
        try:
            people = self._pd.oncalls(policy.escalation_policy_id) if policy.escalation_policy_id else []
        except IntegrationError as exc:
            people = []
            log.warning("on-calls unavailable", extra={"error": exc.message})
        names = _level_names(policy)
        lines = [
            f"• Level {o.level} ({' / '.join(names.get(o.level, ['?']))}): {self._mention(o)}" for o in people
        ]
        if not lines:
            lines = [f"• {name}: {mention(user)}" for name, user in policy.people.items()] or [
                "• nobody configured"
            ]
        source = "PagerDuty" if people else "the bot's config (PagerDuty did not answer)"
        text = f"*On call now* (from {source})\n" + "\n".join(lines)
        if p.get("args", {}).get("public"):  # `/llm oncall --public`: for the whole channel
            blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": text[:2900]}}]
            return JobResult("ok", Effects.of(messages.answer(p, blocks, text, key=f"job:{job.id}:answer")))
        return JobResult("ok", Effects.of(messages.ephemeral(p, text)))

    def _mention(self, oncall) -> str:
        user = self._people.user_of(oncall.email)
        return f"{mention(user)} ({escape(oncall.name)})" if user else escape(oncall.name)

    def scale(self, job) -> JobResult:
        """ "incident-scale": today's replicas + 1, as a scale request from the clicker."""
        p, deployment = job.payload, self._thread.policy.scale_deployment
        return guarded(p, None, lambda: self._scale(p, deployment))

    def _scale(self, p: dict, deployment: str) -> JobResult:
        current = self._deps.kube.get_deployment(self._deps.platform.namespace, deployment).replicas
        text = f"scale {deployment} {current + 1}"
        request = {
            **p,
            "verb": "scale",
            "text": text,
            "request_id": "",
            "args": {"deployment": deployment, "replicas": current + 1},
        }
        entry = TimelineEntry(
            at=self._clock.time(), kind="bot action", text=f"Scale request: /llm {text}", who=f"@{p['user']}"
        )
        return JobResult(
            "ok",
            Effects.of(
                NewJob("change", request),
                rows.timeline(p["incident_id"], entry),
                messages.ephemeral(p, f"Asking for approval: `/llm {text}`…"),
            ),
        )


def _level_names(policy) -> dict[int, list[str]]:
    names: dict[int, list[str]] = {}
    for escalation in policy.escalation.values():
        for level in escalation.levels:
            if level.name not in names.setdefault(level.pagerduty_level, []):
                names[level.pagerduty_level].append(level.name)
    return names
