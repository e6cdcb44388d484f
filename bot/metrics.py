"""The bot's own Prometheus metrics, on a registry of its own (not the process-global one), served
at GET /metrics. Labelled series the alerting rules watch exist at 0 from the start, so the first
rejection or late timer shows up in rate()."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

LATENESS_BUCKETS = (0.1, 0.5, 1, 2, 5, 10, 30, 60, 300, 900)
WATCHED_TIMERS = ("incident.escalate",)
SLACK_REJECTIONS = ("unsigned", "bad_signature", "stale_timestamp", "replay")
ALERTMANAGER_OUTCOMES = ("accepted", "duplicate", "unauthorized", "unreadable")


class Metrics:
    content_type = CONTENT_TYPE_LATEST

    def __init__(self) -> None:
        self.registry = r = CollectorRegistry()
        self.requests = Counter(
            "llmbot_http_requests_total",
            "HTTP requests by route and status class",
            ["route", "outcome"],
            registry=r,
        )
        self.acks = Counter(
            "llmbot_slack_acks_total",
            "Slack acks by kind (help, usage, queued, refused)",
            ["route", "outcome"],
            registry=r,
        )
        self.ack_seconds = Histogram(
            "llmbot_slack_ack_seconds",
            "Time from request to ack",
            ["route"],
            buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 1, 3),
            registry=r,
        )
        self.command_seconds = Histogram(
            "llmbot_command_duration_seconds",
            "Command run time",
            ["command", "outcome"],
            registry=r,
            buckets=(0.05, 0.1, 0.25, 0.5, 1, 2, 3, 5, 10, 30),
        )
        self.backend_errors = Counter(
            "llmbot_backend_errors_total", "Failed calls to outside systems", ["integration"], registry=r
        )
        self.outbox = Counter(
            "llmbot_outbox_posts_total", "Slack posts from the outbox by outcome", ["outcome"], registry=r
        )
        self.outbox_pending = Gauge("llmbot_outbox_pending", "Slack posts not yet delivered", registry=r)
        self.slack_rejected = Counter(
            "llmbot_slack_requests_rejected_total",
            "Slack requests refused, by reason",
            ["reason"],
            registry=r,
        )
        self.timer_lateness = Histogram(
            "llmbot_timer_lateness_seconds",
            "Timer fire time minus due time",
            ["kind"],
            buckets=LATENESS_BUCKETS,
            registry=r,
        )
        self.alertmanager_webhooks = Counter(
            "llmbot_alertmanager_webhooks_total",
            "Alertmanager webhook deliveries by outcome",
            ["outcome"],
            registry=r,
        )
        for outcome in ALERTMANAGER_OUTCOMES:
            self.alertmanager_webhooks.labels(outcome)
        for reason in SLACK_REJECTIONS:
            self.slack_rejected.labels(reason)
        for kind in WATCHED_TIMERS:
            self.timer_lateness.labels(kind)
        self.outbox.labels("ratelimited")

    def render(self) -> bytes:
        return generate_latest(self.registry)
