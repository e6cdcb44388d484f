"""The on-call engine: PagerDuty webhook intake, the incident engine, threads and storm digests,
escalation, checklists, Slack actions and the report. `wire` builds it and says what it plugs into
the runtime: job kinds, timer kinds, buttons, in-ack verbs, slash specs and the webhook route."""

from __future__ import annotations

from typing import Callable

from bot.answers import COMMAND
from bot.config import Settings
from bot.interactions import Click
from bot.metrics import Metrics
from bot.oncall import card
from bot.oncall.actions import ACTION_JOB, ONCALL_JOB, IncidentActions
from bot.oncall.checklists import SCALE_JOB, Checklists
from bot.oncall.engine import Incidents
from bot.oncall.escalation import ESCALATE, ESCALATE_JOB, Escalation
from bot.oncall.inbox import EVENT_JOB, Inbox
from bot.oncall.intake import WebhookIntake
from bot.oncall.monitoring import MONITOR, MONITOR_JOB, Monitoring
from bot.oncall.people import People
from bot.oncall.report_chase import REMIND, ReportChase
from bot.oncall.reports import Reports
from bot.oncall.status import REPORT_JOB
from bot.oncall.storm import Storm
from bot.oncall.thread import Thread, root_key
from bot.plugs import Plugs
from bot.rbac import role_allows
from bot.state import Effects, Incident, NewJob, Store
from commands.blockkit import code
from commands.deps import Deps
from commands.spec import Arg, CommandSpec, Option

ROUTES = (("POST", "/pagerduty/webhook"),)
NUMBER = Arg("number", "the PagerDuty incident number, e.g. 4211", kind="int", minimum=1)
SPECS = (
    CommandSpec(
        name="incident list",
        summary="List open incidents with severity, age and state",
        example="/llm incident list",
    ),
    CommandSpec(
        name="incident report",
        summary="Draft (again) an incident's report into its thread",
        example="/llm incident report 4211",
        role="operator",
        args=(NUMBER,),
    ),
    CommandSpec(
        name="incident note",
        summary="Add a note to an incident in PagerDuty (shown in its thread)",
        example="/llm incident note 4211 rolled back to the previous image",
        role="operator",
        args=(NUMBER, Arg("text", "the note; the rest of the line", rest=True)),
    ),
    CommandSpec(
        name="oncall",
        summary="Who holds each escalation level now",
        example="/llm oncall --public",
        options=(Option("public", "answer in the channel for everyone, not just you"),),
    ),
)


def wire(
    store: Store,
    settings: Settings,
    deps: Deps,
    clock,
    slack,
    metrics: Metrics,
    pagerduty,
    held: Callable[[Incident], bool],
    find: Callable[[str], CommandSpec | None],
) -> Plugs:
    policy, s = settings.oncall, settings.slack
    thread = Thread(policy, s.incident_channel, s.platform_channel, settings.links)
    people = People(policy.pagerduty_emails, slack)
    escalation = Escalation(store, thread, clock, pagerduty, settings.pagerduty.from_email, people, held)
    monitoring = Monitoring(thread, clock, deps)
    checklists = Checklists(store, thread, clock, monitoring, find)
    chase = ReportChase(store, thread, checklists, clock)
    storm = Storm(store, thread, policy.storm_threshold)
    engine = Incidents(store, thread, escalation, checklists, chase, storm, clock)
    inbox = Inbox(store, engine, clock, pagerduty)
    actions = IncidentActions(store, engine, escalation, people, clock, pagerduty)
    reports = Reports(store, thread, people, deps, clock, pagerduty)
    secrets = [secret.get_secret_value() for secret in settings.pagerduty.webhook_secrets]
    intake = WebhookIntake(store, secrets, metrics.registry, clock)

    def resume() -> None:
        """Events stored before a crash whose job is gone (an older version's rows): apply them."""
        jobs = [NewJob(EVENT_JOB, {"incident_id": i}) for i in store.incidents_with_pending_events()]
        if jobs:
            store.commit(Effects.of(*jobs), clock.time())

    return Plugs(
        jobs={
            EVENT_JOB: inbox.drain,
            ACTION_JOB: actions.act,
            ESCALATE_JOB: escalation.escalate_in_pagerduty,
            REPORT_JOB: reports.report,
            SCALE_JOB: reports.scale,
            ONCALL_JOB: reports.oncall,
            MONITOR_JOB: monitoring.report,
        },
        timers={
            ESCALATE: escalation.on_timer,
            MONITOR: monitoring.on_due,
            REMIND: chase.on_remind,
        },
        buttons={
            card.ACK: actions.on_action,
            card.RESOLVE: actions.on_action,
            card.ESCALATE: actions.on_action,
            card.TAKE: actions.on_action,
            card.NOTE: actions.on_note,
            card.REPORT_DONE: chase.on_done,
            card.TICK: checklists.on_tick,
            card.RUN: checklists.on_run,
            **dict.fromkeys(card.DIAGNOSE, diagnose(store, thread, find)),
        },
        verbs={
            "incident list": actions.on_list,
            "incident report": actions.on_report,
            "incident note": actions.on_note_command,
            "oncall": actions.on_oncall,
        },
        specs=SPECS,
        routes={ROUTES[0]: intake},
        on_start=(resume,),
    )


def diagnose(
    store: Store, thread: Thread, find: Callable[[str], CommandSpec | None]
) -> Callable[[Click], Effects]:
    """The quick-diagnostics row: run the button's read-only command into the incident's thread, as
    the clicker (the command's own role applies)."""

    def on_click(click: Click) -> Effects:
        label, verb = card.DIAGNOSE[click.action_id]
        incident = store.incident(click.value) if 0 < len(click.value) <= 64 else None
        spec = find(verb)
        if incident is None or spec is None:
            return Effects(reply="That button belongs to an incident the bot no longer knows; nothing ran.")
        if not role_allows(click.role, spec.role):
            return Effects(
                reply=f"{code('/llm ' + verb)} needs the {spec.role} role (yours: {click.role or 'none'})."
            )
        job = {
            **click.as_job(verb, verb),
            "args": {},
            "channel": thread.channel,
            "thread_key": root_key(incident.id),
        }
        return Effects.of(
            NewJob(COMMAND, job), reply=f"{label}: running {code('/llm ' + verb)} into the thread…"
        )

    return on_click
