"""The composition root: builds every client (the commands' through bot/clients.py), the store, the
engines and the runtime once from Settings, merges the engines' Plugs (refusing duplicates), and starts
and stops them together. Nothing else constructs a client. `settle()` runs due timers, jobs and posts
in the caller's thread until nothing is left, so tests move the clock and settle instead of sleeping."""

from __future__ import annotations

import logging
import threading
from functools import partial

from slack_sdk import WebClient

from bot import alerts, calendar, changes, housekeeping, messages, oncall, rbac_groups, watch
from bot.answers import COMMAND, Answers
from bot.buttons import Buttons
from bot.calendar import Calendar
from bot.clients import build_deps, close_clients, secret_value
from bot.clock import SystemClock
from bot.config import Settings
from bot.health_server import HealthServer
from bot.http_server import main_server
from bot.identity import Identity
from bot.metrics import Metrics
from bot.outbox import Outbox
from bot.plugs import Plugs, merge
from bot.rbac import Rbac
from bot.registry import COMMANDS, RUNTIME, Registry
from bot.scheduler import Scheduler
from bot.server import HttpApp
from bot.slack import build_bolt
from bot.slash import SlashCommands
from bot.socket_mode import SocketMode
from bot.state import Effects, Incident, Store
from bot.worker import Worker
from integrations.alertmanager import AlertmanagerClient
from integrations.pagerduty import PagerDutyClient

log = logging.getLogger(__name__)


def http_paths(method: str) -> list[str]:
    """Every path the bot serves for `method`, for checks that the Slack app manifest matches the code."""
    return [path for verb, path in (*HttpApp.FIXED, *oncall.ROUTES, *alerts.ROUTES) if verb == method]


def build_registry() -> Registry:
    """Every `/llm` verb: the adapter's own, the commands', and those the engines answer."""
    return Registry([*RUNTIME, *COMMANDS, *changes.SPECS, *oncall.SPECS, *alerts.SPECS])


class Bot:
    """Every part of the running bot, built once, in dependency order; the engines' Plugs are the
    whole wiring: which job kinds, timer kinds, buttons, in-ack verbs and routes exist, and who handles
    each."""

    def __init__(self, settings: Settings, clock=None):
        self.settings, self.clock = settings, clock or SystemClock()
        self.metrics, self.store, self.rbac = Metrics(), Store(settings.state.db), Rbac(settings.rbac)
        self.slack = WebClient(
            token=secret_value(settings.slack.bot_token),
            base_url=str(settings.slack.api_url),
            timeout=int(max(settings.slack.timeout_seconds, 1)),
        )
        self.calendar: Calendar = calendar.build(self.store, settings, self.clock)
        self.deps = build_deps(
            settings,
            self.clock,
            calendar=self.calendar,
            index_ledger=self.store,
            incidents=self.store,
            documented=tuple(settings.oncall.weekly_severities),
            on_backend_error=lambda system: self.metrics.backend_errors.labels(system).inc(),
        )
        pd = settings.pagerduty
        self.pagerduty = PagerDutyClient(
            str(pd.api_url),
            secret_value(pd.api_token) or "",
            pd.from_email,
            pd.timeout_seconds,
            str(pd.ca_file) if pd.ca_file else None,
        )
        am = settings.alertmanager
        self.alertmanager = AlertmanagerClient(str(am.url), am.timeout_seconds) if am.url else None
        self.watch = watch.build(self.store, settings, self.deps.kube, self.clock)  # tests: bot.watch.poll()
        self.registry = build_registry()
        self.plugs = self._wire(settings)
        self.registry.check(self.plugs)
        self.worker = Worker(
            self.store,
            self.metrics,
            self.plugs.jobs,
            self.clock,
            settings.server.workers,
            failure=_tell_requester,
        )
        self.outbox = Outbox(
            self.store,
            # the outbox is the only writer, and it owns every resend: slack_sdk's own retry of a reset
            # connection would post again without looking first whether Slack had taken the post
            WebClient(
                token=self.slack.token,
                base_url=self.slack.base_url,
                timeout=self.slack.timeout,
                retry_handlers=[],
            ),
            self.metrics,
            self.clock,
            settings.slack.pace_seconds,
            timeout=settings.slack.timeout_seconds,
        )
        self.scheduler = Scheduler(self.store, self.plugs.timers, self.clock, self.metrics)
        self.store.listeners.extend([self._woken])
        self.identity = Identity(self.slack, self.clock)
        slash = SlashCommands(
            self.store, self.rbac, self.registry, self.plugs.verbs, self.metrics, self.clock
        )
        buttons = Buttons(self.store, self.rbac, self.plugs.buttons, self.clock)
        self.bolt = build_bolt(
            secret_value(settings.slack.signing_secret), self.slack, slash, buttons, self.identity.get
        )
        token = secret_value(settings.slack.app_token)
        self.socket = (
            SocketMode(self.bolt, token, self.metrics.registry) if settings.slack.socket_mode else None
        )
        self.http = HttpApp(
            self.bolt,
            self.store,
            self.metrics,
            secret_value(settings.slack.signing_secret) or "",
            self.plugs.routes,
            ready=self._readiness,
            slack_over_http=self.socket is None,
        )

    def _readiness(self) -> dict[str, str]:
        socket = self.socket.readiness() if self.socket else {}
        return {**self.identity.readiness(), **self.watch.readiness(), **socket}

    def _wire(self, settings: Settings) -> Plugs:
        find = self.registry.find
        on_error = self.deps.on_backend_error
        answers = Answers(self.deps, find, on_error)
        change_plugs = changes.wire(self.store, settings, self.rbac, self.deps, self.clock, find, on_error)
        ask = partial(changes.request_change, find)
        return merge(
            Plugs(jobs={COMMAND: answers.run}),
            change_plugs,
            oncall.wire(
                self.store,
                settings,
                self.deps,
                self.clock,
                self.slack,
                self.metrics,
                self.pagerduty,
                self._escalation_held,
                find,
            ),
            calendar.wire(
                self.store, settings, self.calendar, self.deps, self.clock, ask, self.pagerduty, find
            ),
            rbac_groups.wire(self.store, self.rbac, self.slack, self.clock),
            housekeeping.wire(self.store, settings.state.keep_days, self.clock),
            watch.wire(self.store, settings, find),
            alerts.wire(
                self.store,
                settings,
                self.deps,
                self.clock,
                self.slack,
                self.metrics,
                self.alertmanager,
                self.calendar,
            ),
        )

    def _escalation_held(self, incident: Incident) -> bool:
        """A maintenance window is open (or the platform drained) and this service is one we hold for."""
        services = self.settings.oncall.hold_during_maintenance
        return self.calendar.escalation_held(self.clock.now()) and (
            not services or incident.service in services
        )

    def _woken(self, committed) -> None:
        if committed.jobs:
            self.worker.wake()
        if committed.posts:
            self.outbox.poke()

    # --- running ---------------------------------------------------------------------------------
    def start(self, background: bool = True) -> None:
        """Resume what a previous run left, then run; `background=False` leaves the loops to `settle()`."""
        self.worker.recover()
        self.outbox.recover()
        for resume in self.plugs.on_start:
            resume()
        if background:
            self.worker.start()
            self.outbox.start()
            self.scheduler.start()
            self.identity.start()
            if self.settings.watch.enabled:
                self.watch.start()

    def settle(self, rounds: int = 200) -> int:
        """Fire due timers, run pending jobs and deliver due posts in this thread until none is left."""
        done = 0
        for _ in range(rounds):
            step = self.scheduler.fire_due() + self.worker.run_pending() + self.outbox.deliver_due()
            if step == 0:
                return done
            done += step
        raise RuntimeError(f"settle() did not come to rest after {rounds} rounds")

    def stop(self) -> None:
        self.scheduler.stop()
        self.worker.stop()
        self.outbox.stop()
        self.identity.stop()
        self.watch.stop()
        close_clients(self.deps)
        self.pagerduty.close()
        if self.alertmanager is not None:
            self.alertmanager.close()
        self.store.close()


def _tell_requester(job, text: str) -> Effects:
    return Effects.of(messages.ephemeral(job.payload, text)) if job.payload.get("response_url") else Effects()


class RunningServer:
    """`llmbot serve` in a thread: the bot, its HTTP server on the configured (or a free) port, and
    the probe listener on its own port."""

    def __init__(self, bot: Bot, host: str = "127.0.0.1", port: int = 0):
        self.bot = bot
        self.server = main_server(bot.http, host, port)
        self.url = f"http://{host}:{self.server.effective_port}"
        health = bot.settings.server.health_port
        self.health = None if health is None else HealthServer(host, health, bot.http.probes())
        self._closing = False
        self.stopped = False
        self._thread = threading.Thread(target=self._serve, name="http", daemon=True)

    def start(self, background: bool = True) -> "RunningServer":
        self.bot.start(background)
        if self.bot.socket is not None:  # a transport, like the HTTP listener: it runs either way
            self.bot.socket.start()
        if self.health is not None:
            self.health.start()
        self._thread.start()
        return self

    def _serve(self) -> None:
        try:
            self.server.run()
        except OSError:  # a listening socket closed before the loop started ends it this way
            if not self._closing:
                raise

    def stop(self) -> None:
        self._closing = True
        self.server.close()  # the loop thread ends with the last open keep-alive connection
        if self.bot.socket is not None:
            self.bot.socket.stop()
        if self.health is not None:
            self.health.stop()
        self.bot.stop()
        self.stopped = True
