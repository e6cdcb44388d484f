"""Maintenance from chat against the sandbox: window verbs, the drain and restore with a restart
between them, a failing smoke test, and the metrics check half an hour after the restore."""

from datetime import datetime, timezone

import pytest
import requests

from bot.changes.card import APPROVE
from bot.clock import ManualClock
from tests.support import start_bot, wait_until

NS = "llm-inference"
RESTING = {"vllm-llama-3-70b": 2, "rag-service": 3}


def replicas(sandbox):
    return {name: sandbox.kube.cluster.get("deployments", NS, name)["spec"]["replicas"] for name in RESTING}


@pytest.fixture
def restore_platform(sandbox):
    yield
    for name, n in RESTING.items():
        requests.patch(
            f"{sandbox.kube.url}/apis/apps/v1/namespaces/{NS}/deployments/{name}/scale",
            json={"spec": {"replicas": n}},
            headers={"Content-Type": "application/merge-patch+json"},
            timeout=5,
        )


def posts_starting(bot, prefix):
    return [
        m
        for m in bot.posted("C0PLATFORM")
        if m["kind"] == "post" and (m.get("text") or "").startswith(prefix)
    ]


def approve_latest_card(bot, title):
    [card] = bot.wait_for_posts(
        where=lambda m: (
            m["kind"] == "post"
            and m.get("blocks")
            and m["blocks"][0]["text"]["text"] == f"🔐 Approval needed: {title}"
        )
    )
    assert bot.click(card, APPROVE, "U0OPS2").status_code == 200
    return card


def test_maintenance_shows_the_next_window_in_pacific_time(sandbox, tmp_path):
    bot = start_bot(sandbox, tmp_path / "db", ManualClock(datetime(2025, 3, 2, tzinfo=timezone.utc)))
    try:
        bot.slash("maintenance")
        [answer] = bot.wait_for_posts(where=lambda m: "Next maintenance window" in (m.get("text") or ""))
        assert answer["text"] == (
            "📅 Next maintenance window\n"
            "• Sat 5 Apr 2025, 02:00–06:00 PDT (09:00–13:00 UTC), 4 h: monthly maintenance"
        )
    finally:
        bot.server.stop()


def test_a_window_is_scheduled_with_a_free_text_reason_and_listed(sandbox, tmp_path):
    clock = ManualClock(datetime(2025, 3, 2, tzinfo=timezone.utc))
    bot = start_bot(sandbox, tmp_path / "db", clock)
    try:
        bot.slash("maintenance schedule 2025-03-15 01:00-03:00 kernel upgrade")
        bot.wait_for_posts(where=lambda m: "scheduled" in (m.get("text") or ""))
        clock.advance(5)  # the outbox paces posts per channel on the bot's clock
        bot.slash("maintenance list")
        [listing] = bot.wait_for_posts(where=lambda m: "Upcoming" in (m.get("text") or ""))
        assert listing["text"].splitlines()[1:3] == [
            "• Sat 15 Mar 2025, 01:00–03:00 PDT (08:00–10:00 UTC), 2 h: kernel upgrade _(scheduled)_",
            "• Sat 5 Apr 2025, 02:00–06:00 PDT (09:00–13:00 UTC), 4 h: monthly maintenance",
        ]
    finally:
        bot.server.stop()


def test_drain_and_restore_survive_a_restart_between_them(sandbox, tmp_path, restore_platform):
    db = tmp_path / "db"
    first = start_bot(sandbox, db)
    first.slash("maintenance start")
    card = approve_latest_card(first, f"Maintenance drain: scale every Deployment in {NS} to 0")
    wait_until(
        lambda: any(
            m.get("thread_ts") == card["ts"] and m["text"].startswith("✅ Drained")
            for m in first.posted("C0PLATFORM")
        )
    )
    assert replicas(sandbox) == {"vllm-llama-3-70b": 0, "rag-service": 0}
    first.server.stop()

    second = start_bot(sandbox, db)
    try:
        second.slash("maintenance finish")
        card = approve_latest_card(
            second, "Maintenance restore: recorded replica counts, then the smoke test"
        )
        wait_until(
            lambda: any(
                m.get("thread_ts") == card["ts"] and m["text"].startswith("✅ Restored")
                for m in second.posted("C0PLATFORM")
            )
        )
        assert replicas(sandbox) == RESTING
        [notice] = posts_starting(second, "✅ *Maintenance complete*")
        assert "Restored rag-service 3, vllm-llama-3-70b 2. Smoke test passed (6 checks)." in notice["text"]
        assert second.store.open_drain() is None
    finally:
        second.server.stop()


def test_a_failing_smoke_test_is_reported_and_the_metrics_check_follows_half_an_hour_later(
    sandbox, tmp_path, restore_platform
):
    clock = ManualClock(datetime.now(timezone.utc))
    dead = "http://127.0.0.1:9"  # nothing listens: the RAG checks fail
    bot = start_bot(
        sandbox,
        tmp_path / "db",
        clock,
        maintenance={"smoke": {"inference_url": sandbox.inference.url, "rag_url": dead}},
    )
    try:
        bot.bot.calendar.record_drain("adhoc-test", dict(RESTING), "U0OPS1")
        bot.slash("maintenance finish")
        card = approve_latest_card(bot, "Maintenance restore: recorded replica counts, then the smoke test")
        wait_until(
            lambda: any(
                m.get("thread_ts") == card["ts"] and "Smoke test FAILED" in m["text"]
                for m in bot.posted("C0PLATFORM")
            ),
            clock=clock,
        )
        wait_until(lambda: posts_starting(bot, "⚠️ *Maintenance complete"), clock=clock)
        [notice] = posts_starting(bot, "⚠️ *Maintenance complete, smoke test failing*")
        assert "RAG /health: cannot connect (ConnectionError)" in notice["text"]
        assert posts_starting(bot, "📈") == []
        clock.advance(30 * 60)
        wait_until(lambda: posts_starting(bot, "📈"), clock=clock)
        [check] = posts_starting(bot, "📈")
        assert "Error rate" in check["text"] and "Throughput" in check["text"]
    finally:
        bot.server.stop()


def test_finish_with_nothing_drained_says_so(bot):
    bot.slash("maintenance finish")
    [reply] = bot.wait_for_posts(where=lambda m: m["kind"] == "response_url")
    assert reply["text"].startswith("⚠️ Nothing is drained: there are no recorded replica counts to restore.")


def test_cancelling_a_window_over_slack_records_who_cancelled_it(bot):
    bot.slash("maintenance cancel", user="U0OPS2")
    bot.wait_for_posts(channel="C0PLATFORM", where=lambda m: "cancelled" in (m.get("text") or ""))
    assert [(row.state, row.by) for row in bot.store.window_rows(0)] == [("cancelled", "U0OPS2")]


def test_a_drain_holds_pagerduty_too_and_the_finish_lets_it_page_again(sandbox, tmp_path, restore_platform):
    sandbox.pagerduty.reset()
    bot = start_bot(sandbox, tmp_path / "db")
    try:
        bot.slash("maintenance start")
        card = approve_latest_card(bot, f"Maintenance drain: scale every Deployment in {NS} to 0")
        wait_until(lambda: bool(posts_starting(bot, "🔕 PagerDuty holds pages")))
        [window] = sandbox.pagerduty.windows.listed("open", [], "")
        assert window["description"].startswith("llmbot: maintenance adhoc-")
        assert sorted(s["summary"] for s in window["services"]) == ["RAG Service", "vLLM Inference"]
        assert sandbox.pagerduty.page("P1", "paged during the drain") is None  # PagerDuty opens nothing now
        bot.slash("maintenance finish")
        approve_latest_card(bot, "Maintenance restore: recorded replica counts, then the smoke test")
        wait_until(lambda: bool(posts_starting(bot, "🔔 PagerDuty pages again")))
        assert sandbox.pagerduty.windows.listed("open", [], "") == []
        assert sandbox.pagerduty.page("P1", "paged after the finish") is not None
        assert card is not None
    finally:
        bot.server.stop()
