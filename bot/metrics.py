"""The bot's own Prometheus metrics, on a registry of its own (not the process-global one), served
at GET /metrics."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST


class Metrics:
    content_type = CONTENT_TYPE_LATEST

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "llmbot_http_requests_total",
            "HTTP requests by route and status class",
            ["route", "outcome"],
            registry=self.registry,
        )
        self.acks = Counter(
            "llmbot_slack_acks_total",
            "Slack acks by kind (help, usage, queued, refused)",
            ["route", "outcome"],
            registry=self.registry,
        )
        self.ack_seconds = Histogram(
            "llmbot_slack_ack_seconds",
            "Time from request to ack",
            ["route"],
            buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 1, 3),
            registry=self.registry,
        )
        self.command_seconds = Histogram(
            "llmbot_command_duration_seconds",
            "Command run time",
            ["command", "outcome"],
            registry=self.registry,
            buckets=(0.05, 0.1, 0.25, 0.5, 1, 2, 3, 5, 10, 30),
        )
        self.backend_errors = Counter(
            "llmbot_backend_errors_total",
            "Failed calls to outside systems",
            ["integration"],
            registry=self.registry,
        )
        self.outbox = Counter(
            "llmbot_outbox_posts_total",
            "Slack posts from the outbox by outcome",
            ["outcome"],
            registry=self.registry,
        )

    def render(self) -> bytes:
        return generate_latest(self.registry)
