"""What people do to incidents from Slack: the root's buttons, `/llm incident …` and `/llm oncall`.
Clicks and commands only write rows and submit jobs; the jobs act in PagerDuty as the person who
clicked (From = their PagerDuty email), then apply the change themselves, so the webhook PagerDuty
echoes back finds nothing left to change and posts nothing."""

from __future__ import annotations

import logging
from types import SimpleNamespace
from typing import Callable

from bot import incident_card, messages
from bot.checklists import Checklists
from bot.incident_thread import root_key
from bot.incidents import Incidents
from bot.registry import role_allows
from bot.state import JobResult, Post, Store
from bot.state.incidents import TimelineEntry
from commands import incident_report
from commands.incident_events import IncidentEvent
from commands.spec import FileOut
from integrations.errors import IntegrationError

log = logging.getLogger(__name__)
ACTION_ROLE = "operator"

_ACTIONS = {
    incident_card.ACK: "acknowledge",
    incident_card.RESOLVE: "resolve",
    incident_card.UNACK: "unacknowledge",
}
_EVENTS = {
    "acknowledge": "incident.acknowledged",
    "resolve": "incident.resolved",
    "unacknowledge": "incident.unacknowledged",
}
_DOING = {
    "acknowledge": "Acknowledging",
    "resolve": "Resolving",
    "unacknowledge": "Unacknowledging",
    "note": "Adding a note to",
}


class IncidentActions:
    def __init__(
        self,
        store: Store,
        engine: Incidents,
        checklists: Checklists,
        rbac,
        clock,
        submit: Callable[[str, dict], int],
        pagerduty,
        slack,
        deps,
        approvals,
    ):
        self._store, self._engine, self._checklists, self._rbac = store, engine, checklists, rbac
        self._clock, self._submit, self._pd, self._slack = clock, submit, pagerduty, slack
        self._deps, self._approvals = deps, approvals
        self._thread = engine.thread
        self._emails: dict[str, str] = {}

    # --- root buttons (ack path) ------------------------------------------------------------
    # viewers may look; acting in PagerDuty takes an operator
    def on_click(self, click) -> str:
        incident = self._store.incident(click.value)
        if incident is None:
            return "That incident is not known to the bot."
        if self._rbac.role_of(click.user) is None:
            return "You have no role in llmbot; ask a platform admin to add you under `rbac`."
        if click.action_id == incident_card.NOTE:
            return (
                f"Add a note with `/llm incident note {incident.number} <text>`: it goes to PagerDuty and "
                "shows in this thread."
            )
        if click.action_id == incident_card.REPORT_DONE:
            return self._checklists.report_done(incident.id, click.user)
        action = _ACTIONS.get(click.action_id)
        if action is None:
            return "That button belongs to an older version of llmbot; nothing changed."
        role = self._rbac.role_of(click.user)
        if not role_allows(role, ACTION_ROLE):  # it changes PagerDuty: the same bar as `/llm incident note`
            return f"Changing an incident in PagerDuty needs the {ACTION_ROLE} role (yours: {role}); nothing changed."
        self._submit(
            "incident-action",
            {
                "incident_id": incident.id,
                "action": action,
                "user": click.user,
                "channel": click.channel,
                "response_url": click.response_url,
                "verb": f"incident {action}",
                "text": f"#{incident.number}",
            },
        )
        return f"{_DOING[action]} #{incident.number} in PagerDuty as you…"

    # --- slash commands (ack path) ----------------------------------------------------------
    def answer(self, verb: str, args: dict, job: dict) -> tuple[str, dict]:
        if verb == "incident list":
            return "ok", messages.ephemeral_ack(self.list_text())
        if verb == "oncall":
            self._submit("incident-oncall", job)
            return "queued", messages.ephemeral_ack("⏳ Asking PagerDuty who is on call…")
        incident = self._store.incident_by_number(args["number"])
        if incident is None:
            return "usage", messages.ephemeral_ack(
                f"⚠️ The bot knows no incident #{args['number']}. `/llm incident list` shows the open ones."
            )
        if verb == "incident note":
            self._submit(
                "incident-action", {**job, "incident_id": incident.id, "action": "note", "note": args["text"]}
            )
            return "queued", messages.ephemeral_ack(f"⏳ Adding your note to #{incident.number}…")
        self._submit("incident-report", {**job, "incident_id": incident.id})
        return "queued", messages.ephemeral_ack(
            f"⏳ Drafting the report for #{incident.number} into its thread…"
        )

    def list_text(self) -> str:
        open_ = self._store.incidents()
        if not open_:
            return "No open incidents."
        now = self._clock.time()
        rows = [
            f"• {incident_card.title(i)}: *{i.status}*, {incident_card.duration(now - i.created_at)} old, "
            f"assigned to {i.assignee or 'nobody'}"
            for i in sorted(open_, key=lambda i: (i.severity, i.created_at))
        ]
        return "*Open incidents*\n" + "\n".join(rows)

    # --- worker jobs ------------------------------------------------------------------------
    def act(self, job) -> JobResult:
        """ "incident-action": do it in PagerDuty as the clicker, then say it in the thread."""
        p = job.payload
        try:
            email = self._email(p["user"])
            if p["action"] == "note":
                return self._add_note(p, email)
            getattr(self._pd, p["action"])(p["incident_id"], email)
        except IntegrationError as exc:
            return JobResult("unavailable", [messages.ephemeral(p, messages.unavailable(exc))], exc.message)
        self._engine.apply_now(
            IncidentEvent(
                id=f"slack:{job.id}",
                type=_EVENTS[p["action"]],
                occurred_at=self._clock.time(),
                agent=f"<@{p['user']}>",
                incident_id=p["incident_id"],
            )
        )
        return JobResult("ok")

    def _add_note(self, p: dict, email: str) -> JobResult:
        note = self._pd.add_note(p["incident_id"], p["note"], email)
        self._engine.apply_now(
            IncidentEvent(
                id=f"note:{note.id}",
                type="incident.annotated",
                occurred_at=self._clock.time(),
                agent=f"<@{p['user']}>",
                incident_id=p["incident_id"],
                note_id=note.id,
                note=note.content,
            )
        )
        return JobResult("ok")

    def _email(self, user: str) -> str:
        """The clicker's PagerDuty login: the config map, else their Slack profile email."""
        mapped = self._thread.policy.pagerduty_emails.get(user) or self._emails.get(user)
        if mapped:
            return mapped
        try:
            email = self._slack.users_info(user=user)["user"]["profile"].get("email", "")
        except Exception as exc:  # slack_sdk errors: we cannot tell PagerDuty who this is
            raise IntegrationError(
                "slack", f"could not read your profile email ({type(exc).__name__})"
            ) from None
        if not email:
            raise IntegrationError(
                "pagerduty",
                "your Slack profile has no email; ask an admin to map you in oncall.pagerduty_emails",
            )
        self._emails[user] = email
        return email

    def scale(self, job) -> JobResult:
        """ "incident-scale": today's replicas + 1, as a scale approval request from the clicker."""
        p, deployment = job.payload, self._thread.policy.scale_deployment
        try:
            current = self._deps.kube.get_deployment(self._deps.platform.namespace, deployment).replicas
        except IntegrationError as exc:
            return JobResult("unavailable", [messages.ephemeral(p, messages.unavailable(exc))], exc.message)
        click = SimpleNamespace(user=p["user"], channel=p["channel"], response_url=p["response_url"])
        text = self._approvals.request_change(
            click,
            "scale",
            {"deployment": deployment, "replicas": current + 1},
            f"scale {deployment} {current + 1}",
        )
        self._store.add_timeline(
            p["incident_id"],
            TimelineEntry(
                at=self._clock.time(), kind="bot action", text=f"Scale request: {text}", who=f"<@{p['user']}>"
            ),
        )
        return JobResult("ok", [messages.ephemeral(p, text)])

    def report(self, job) -> JobResult:
        """ "incident-report": the Markdown draft and a PNG chart per metric into the thread."""
        incident = self._store.incident(job.payload["incident_id"])
        end = incident.resolved_at or self._clock.time()
        stats = incident_report.snapshot(self._deps, incident.created_at, end)
        pngs, chart_note = incident_report.charts(stats)
        text = incident_report.markdown(incident, self._store.timeline(incident.id), stats, chart_note)
        self._store.update_incident(incident.id, report=text)
        channel, thread = self._thread.channel, root_key(incident.id)
        posts = [
            messages.file_post(
                channel,
                FileOut(
                    f"incident-{incident.number}-report.md", f"Incident #{incident.number} report draft", text
                ),
                thread,
            )
        ]
        for name, png in pngs:
            slug = name.lower().replace(" ", "-")
            posts.append(
                messages.file_post(
                    channel,
                    FileOut(
                        f"incident-{incident.number}-{slug}.png", f"Incident #{incident.number}: {name}", png
                    ),
                    thread,
                )
            )
        summary = (
            f"📄 Report draft for #{incident.number} attached. Fill in root cause, impact and action items, "
            "then mark it done."
        )
        posts.append(
            Post(
                "chat.postMessage",
                channel,
                {
                    "channel": channel,
                    "text": summary,
                    "blocks": incident_card.report_blocks(incident, summary),
                },
                thread_key=thread,
            )
        )
        return JobResult("ok", posts)

    def oncall(self, job) -> JobResult:
        """ "incident-oncall": who holds each level now."""
        p, policy = job.payload, self._thread.policy
        names = {}
        for escalation in policy.escalation.values():
            for level in escalation.levels:
                names.setdefault(level.pagerduty_level, [])
                if level.name not in names[level.pagerduty_level]:
                    names[level.pagerduty_level].append(level.name)
        try:
            people = self._pd.oncalls(policy.escalation_policy_id) if policy.escalation_policy_id else []
        except IntegrationError as exc:
            people = []
            log.warning("on-calls unavailable", extra={"error": exc.message})
        lines = [
            f"• Level {o.level} ({' / '.join(names.get(o.level, ['?']))}): {self._mention(o)}" for o in people
        ]
        if not lines:
            lines = [f"• {name}: <@{user}>" for name, user in policy.people.items()] or [
                "• nobody configured"
            ]
        source = "PagerDuty" if people else "the bot's config (PagerDuty did not answer)"
        return JobResult("ok", [messages.ephemeral(p, f"*On call now* (from {source})\n" + "\n".join(lines))])

    def _mention(self, oncall) -> str:
        user = self.slack_user(oncall.email)
        return f"<@{user}> ({oncall.name})" if user else oncall.name

    def slack_user(self, email: str) -> str:
        for user, mapped in {**self._emails, **self._thread.policy.pagerduty_emails}.items():
            if mapped == email:
                return user
        return ""
