"""The on-call parts wired together once: webhook intake, incident engine, thread, escalation,
checklists and Slack actions; and the tables the composition root plugs in (worker job kinds,
timer kinds, button prefixes, slash verbs). bot/app.py builds one of these."""

from __future__ import annotations

from typing import Callable

from bot.checklists import MONITOR, REMIND, Checklists
from bot.config import Settings
from bot.escalation import ESCALATE, Escalation
from bot.incident_actions import IncidentActions
from bot.incident_thread import IncidentThread
from bot.incidents import Incidents
from bot.pagerduty_webhook import WebhookIntake


class OnCall:
    def __init__(
        self,
        settings: Settings,
        store,
        deps,
        slack,
        rbac,
        clock,
        submit: Callable[[str, dict], int],
        poke: Callable[[], None],
        approvals,
        metrics,
        pagerduty,
    ):
        policy, s = settings.oncall, settings.slack
        self.thread = IncidentThread(store, policy, s.incident_channel, s.platform_channel, clock, poke)
        self.checklists = Checklists(store, self.thread, clock, submit, rbac, deps)
        self.escalation = Escalation(
            store,
            self.thread,
            clock,
            submit,
            pagerduty,
            settings.pagerduty.from_email,
            lambda email: self.actions.slack_user(email),
        )
        self.engine = Incidents(
            store, self.thread, self.escalation, self.checklists, clock, submit, pagerduty
        )
        self.actions = IncidentActions(
            store, self.engine, self.checklists, rbac, clock, submit, pagerduty, slack, deps, approvals
        )
        secrets = [secret.get_secret_value() for secret in settings.pagerduty.webhook_secrets]
        self.intake = WebhookIntake(store, secrets, metrics.registry, clock, self.engine.on_stored)

    def job_handlers(self) -> dict:
        return {
            "incident-event": self.engine.drain,
            "incident-action": self.actions.act,
            "incident-escalate": self.escalation.escalate_in_pagerduty,
            "incident-report": self.actions.report,
            "incident-scale": self.actions.scale,
            "incident-oncall": self.actions.oncall,
            "incident-monitor": self.checklists.monitor_report,
        }

    def timer_handlers(self) -> dict:
        return {
            ESCALATE: self.escalation.fire,
            MONITOR: self.checklists.monitor_due,
            REMIND: self.checklists.remind,
        }

    def routes(self) -> dict:
        return {"incident": self.actions.on_click, "checklist": self.checklists.on_click}

    def answerers(self) -> dict:
        return {
            verb: self.actions.answer
            for verb in ("incident list", "incident report", "incident note", "oncall")
        }

    def resume(self) -> None:
        self.engine.resume()
