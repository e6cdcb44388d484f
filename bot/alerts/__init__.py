"""The alerts engine: Alertmanager's webhook intake, one message per alert group in the alerts channel
(edited in place as alerts resolve or join), a line in the platform channel for critical groups, the
Silence / Unsilence buttons, and `/llm alerts` and `/llm silences`. `wire` builds it and says what it
plugs into the runtime: job kinds, a timer kind, buttons, in-ack verbs, slash specs and the route."""

from __future__ import annotations

from functools import partial

from bot.alerts import card
from bot.alerts.groups import SILENCE_ENDS, AlertGroups
from bot.alerts.intake import APPLY_JOB, WebhookIntake
from bot.alerts.listing import LIST_JOB, Listing
from bot.alerts.silences import SILENCE_JOB, Silences
from bot.alerts.window import maintenance_end
from bot.config import Settings
from bot.metrics import Metrics
from bot.plugs import Plugs
from bot.state import Store
from commands.alerts import EXPIRE
from commands.deps import Deps
from commands.ports import Calendar
from commands.spec import CommandSpec

ROUTES = (("POST", "/alertmanager/webhook"),)
SPECS = (
    CommandSpec(
        name="alerts",
        summary="What fires now (Alertmanager; Prometheus when Alertmanager cannot answer)",
        example="/llm alerts",
    ),
    CommandSpec(
        name="silences",
        summary="Alertmanager's active silences, each with an Expire button (operator)",
        example="/llm silences",
    ),
)


def wire(
    store: Store,
    settings: Settings,
    deps: Deps,
    clock,
    slack,
    metrics: Metrics,
    alertmanager,
    calendar: Calendar | None,
) -> Plugs:
    token = settings.alertmanager.webhook_token
    intake = WebhookIntake(
        store, token.get_secret_value() if token else None, metrics.alertmanager_webhooks, clock
    )
    window_end = partial(maintenance_end, calendar)
    s = settings.slack
    grafana = str(settings.links.grafana or "")
    groups = AlertGroups(store, s.alerts_channel, s.platform_channel, grafana, window_end, clock)
    silences = Silences(store, groups, alertmanager, slack, window_end, clock)
    listing = Listing(alertmanager, deps.prom)
    return Plugs(
        jobs={APPLY_JOB: groups.on_job, SILENCE_JOB: silences.act, LIST_JOB: listing.run},
        timers={SILENCE_ENDS: groups.on_silence_ends},
        buttons={
            card.SILENCE_1H: silences.on_silence,
            card.SILENCE_4H: silences.on_silence,
            card.SILENCE_WINDOW: silences.on_silence,
            card.UNSILENCE: silences.on_unsilence,
            EXPIRE: silences.on_expire,
        },
        verbs={"alerts": listing.on_alerts, "silences": listing.on_silences},
        specs=SPECS,
        routes={ROUTES[0]: intake},
    )
