"""The bot exports every metric its alerting rules and dashboard use (tests/test_bot_rules.py keeps the
list), with the labels they use, and the series the rules watch exist at 0 from the start."""

import requests
from prometheus_client.parser import text_string_to_metric_families

from tests.test_bot_rules import METRICS


def families(text: str) -> dict:
    return {f.name: f for f in text_string_to_metric_families(text)}


def test_every_metric_the_rules_use_is_exported_with_its_labels(bot):
    bot.slash("help")
    exported = families(requests.get(f"{bot.url}/metrics", timeout=5).text)
    for name, (kind, labels) in METRICS.items():
        if name == "llmbot_socket_connected" or not name.startswith("llmbot_"):
            continue  # in Socket Mode only (tests/test_socket_mode.py); `up` is Prometheus' own
        family = exported.get(name.removesuffix("_total"))
        assert family is not None, f"{name} is not exported"
        assert family.type == kind, name
        seen = {label for sample in family.samples for label in sample.labels if label not in ("le",)}
        assert seen <= labels, (name, seen)


def test_the_series_the_rules_watch_are_at_zero_before_anything_happens(bot):
    text = requests.get(f"{bot.url}/metrics", timeout=5).text
    for series in (
        'llmbot_pagerduty_webhooks_total{outcome="forged"} 0.0',
        'llmbot_slack_requests_rejected_total{reason="bad_signature"} 0.0',
        'llmbot_outbox_posts_total{outcome="ratelimited"} 0.0',
        'llmbot_alertmanager_webhooks_total{outcome="unauthorized"} 0.0',
        'llmbot_timer_lateness_seconds_count{kind="incident.escalate"} 0.0',
    ):
        assert series in text, series
