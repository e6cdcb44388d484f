"""The alerts engine on a state file, without HTTP or threads: the webhook route called as a function,
the group steps run and committed through the store, and the Effects they returned kept for asserts."""

from __future__ import annotations

from datetime import datetime, timezone

from bot.alerts.groups import AlertGroups
from bot.alerts.intake import WebhookIntake
from bot.alerts.payload import group_id
from bot.alerts.silences import Silences
from bot.clock import ManualClock
from bot.metrics import Metrics
from bot.state import Effects, Store
from tests.bot.alerts.notifications import TOKEN, body, headers, notification

GRAFANA = "https://grafana.example/d/llm-platform"
START = datetime(2025, 3, 1, 10, 1, tzinfo=timezone.utc)


class Engine:
    def __init__(self, db, window_end=lambda now: None, token: str | None = TOKEN, alertmanager=None):
        self.clock = ManualClock(START)
        self.store = Store(db)
        self.metrics = Metrics()
        self.intake = WebhookIntake(self.store, token, self.metrics.alertmanager_webhooks, self.clock)
        self.groups = AlertGroups(self.store, "C0ALERTS", "C0PLATFORM", GRAFANA, window_end, self.clock)
        self.silences = Silences(self.store, self.groups, alertmanager, None, window_end, self.clock)

    def deliver(self, *alerts: dict) -> Effects:
        """Alertmanager posts the group; the job that applies it runs; its effects are committed."""
        status, _, _ = self.intake(headers(), body(*alerts))
        assert status == 200
        return self.apply(group_of(*alerts))

    def apply(self, group: str) -> Effects:
        fx, done = self.store.run_step(lambda: self.groups.apply_pending(group), self.clock.time())
        assert done is not None
        return fx

    def click(self, step, click) -> Effects:
        fx, done = self.store.run_step(lambda: step(click), self.clock.time())
        assert done is not None
        return fx

    def counted(self, outcome: str) -> float:
        return self.metrics.registry.get_sample_value(
            "llmbot_alertmanager_webhooks_total", {"outcome": outcome}
        )


def group_of(*alerts: dict) -> str:
    return group_id(notification(*alerts)["groupKey"])
