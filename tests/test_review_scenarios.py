"""The recurring reviews against the sandbox's Prometheus and Cost Explorer: the weekly report on
demand with its charts, the Monday capacity review whose button opens the scale approval, the daily
morning check, and the Friday incident review of incidents that came in as signed webhooks."""

import time
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from bot.clock import ManualClock
from bot.oncall.card import REPORT_DONE
from commands.status_checks import CHECKS
from sandbox import pagerduty_sender as pd
from tests.incident_support import sender
from tests.support import settle_all, start_bot

PACIFIC = ZoneInfo("America/Los_Angeles")
# the default schedules only: no daily backup and no maintenance notices in the minutes moved
QUIET = {"backups": {"daily": False}, "maintenance": {"window": {"enabled": False}}}


def wait_until(predicate, clock, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        settle_all()
        if predicate():
            return
        time.sleep(0.05)
        clock.advance(1)
    raise AssertionError("condition not met in time")


def test_the_weekly_report_has_real_numbers_this_week_and_says_where_history_starts(sandbox, tmp_path):
    clock = ManualClock(datetime.now(timezone.utc))
    bot = start_bot(sandbox, tmp_path / "db", clock)
    try:
        bot.slash("report weekly")
        wait_until(lambda: len([m for m in bot.posted("C0PLATFORM") if m["kind"] == "file"]) == 2, clock)
        [report] = [
            m for m in bot.posted("C0PLATFORM") if "Weekly performance report" in (m.get("text") or "")
        ]
        rows = report["text"].splitlines()[4:8]
        assert [r.split(" | ")[0] for r in rows] == [
            "| P95 latency",
            "| Throughput",
            "| Error rate",
            "| Cost per inference",
        ]
        assert all("n/a" not in r.split(" | ")[1] for r in rows)
        assert all("n/a, history starts" in r.split(" | ")[2] for r in rows)
        files = [m for m in bot.posted("C0PLATFORM") if m["kind"] == "file"]
        assert all(f["thread_ts"] == report["ts"] for f in files)
    finally:
        bot.server.stop()


def test_the_capacity_review_posts_on_schedule_and_its_button_opens_an_approval(sandbox, tmp_path):
    now = datetime.now(timezone.utc).replace(second=0, microsecond=0)
    at = now + timedelta(minutes=2)
    clock = ManualClock(now)
    rule = f"FREQ=DAILY;BYHOUR={at.hour};BYMINUTE={at.minute};BYSECOND=0"
    bot = start_bot(
        sandbox,
        tmp_path / "db",
        clock,
        reviews={"scale_up_percent": 1, "scale_down_percent": 0},  # any GPU load asks to scale up
        schedules={"capacity-test": {"review": "capacity", "rrule": rule, "zone": "UTC"}},
    )
    try:
        clock.advance(180)
        wait_until(
            lambda: any("capacity review" in (m.get("text") or "") for m in bot.posted("C0PLATFORM")), clock
        )
        [review] = [m for m in bot.posted("C0PLATFORM") if "capacity review" in (m.get("text") or "")]
        assert "scale vllm-llama-3-70b up to 3 replicas" in review["text"]
        bot.click(review, "review:scale", "U0OPS1")
        wait_until(
            lambda: any(
                m.get("blocks")
                and "Approval needed: Scale vllm-llama-3-70b"
                in m["blocks"][0].get("text", {}).get("text", "")
                for m in bot.posted("C0PLATFORM")
            ),
            clock,
        )
    finally:
        bot.server.stop()


def next_nine_pacific(after: datetime) -> datetime:
    local = after.astimezone(PACIFIC)
    nine = local.replace(hour=9, minute=0, second=0, microsecond=0)
    return (nine if nine > local else nine + timedelta(days=1)).astimezone(timezone.utc)


def morning_checks(bot):
    return [
        m
        for m in bot.posted("C0PLATFORM")
        if m["kind"] == "post" and (m.get("text") or "").startswith("LLM platform status")
    ]


def test_the_morning_check_posts_the_status_lines_in_the_platform_channel_at_nine_once(sandbox, tmp_path):
    nine = next_nine_pacific(datetime.now(timezone.utc))
    clock = ManualClock(nine - timedelta(minutes=1))
    bot = start_bot(sandbox, tmp_path / "db", clock, **QUIET)
    try:
        wait_until(lambda: morning_checks(bot), clock)
        for _ in range(60):  # ten more minutes of the bot's time: nothing posts twice
            clock.advance(10)
            bot.settle()
        [post] = morning_checks(bot)
        [run] = bot.store.runs("morning-check")
    finally:
        bot.server.stop()
    lines = post["text"].splitlines()
    assert lines[0].startswith(f"LLM platform status ({nine:%Y-%m-%d} ")
    assert [line.split(" ", 1)[1].split(":")[0] for line in lines[3:] if not line.startswith(" ")] == [
        title for _, title, _ in CHECKS
    ]
    assert all(line[:1] in "✅⚠❌❔" for line in lines[3:] if not line.startswith(" "))
    assert post["blocks"][0]["elements"][0]["text"] == "☀️ Morning check (scheduled)"
    assert (run["occurrence"], run["state"], run["at"] >= nine.timestamp()) == (
        nine.timestamp(),
        "posted",
        True,
    )


WEEK = (  # days before the review, incident, number, title, priority, last event
    (9, "PINC099", 99, "Old latency spike", "P2", "resolved"),  # last week's, report still owed: carried over
    (4, "PINC101", 101, "RAG errors above 1%", "P0", "resolved"),  # its report gets marked done
    (3, "PINC102", 102, "vLLM p95 latency above 3s", "P1", "resolved"),
    (2, "PINC103", 103, "Qdrant disk 85% full", "P2", "acknowledged"),
)


def seed_week(bot, clock, friday: datetime) -> None:
    send = sender(bot)
    for days, incident, number, title, priority, last in WEEK:
        opened = friday - timedelta(days=days)
        data = pd.incident_data(incident, number, title, priority=priority, created=opened)
        send.send(pd.event("incident.triggered", data, at=opened, agent=None))
        send.send(pd.event(f"incident.{last}", {**data, "status": last}, at=opened + timedelta(minutes=20)))
    wait_until(
        lambda: (
            len(bot.store.incidents(("triggered", "acknowledged", "resolved"))) == len(WEEK)
            and all(e.state == "done" for e in bot.store.inbox())
            and report_summary(bot, 101)
        ),
        clock,
    )
    bot.click(report_summary(bot, 101), REPORT_DONE, "U0OPS1")
    wait_until(lambda: bot.store.incident("PINC101").report_done, clock)


def report_summary(bot, number: int):
    draft = f"📄 Report draft for #{number}"
    found = [m for m in bot.posted("C0INCIDENT") if (m.get("text") or "").startswith(draft)]
    return found[0] if found else None


def test_the_friday_incident_review_lists_the_weeks_incidents_with_their_report_status(sandbox, tmp_path):
    sandbox.pagerduty.reset()
    friday = datetime(2024, 5, 17, 21, 0, tzinfo=timezone.utc)  # 14:00 in Los Angeles
    clock = ManualClock(friday - timedelta(hours=1))
    bot = start_bot(sandbox, tmp_path / "db", clock, **QUIET)
    try:
        seed_week(bot, clock, friday)
        assert reviews(bot) == []  # seeding took less than the hour left before the review
        clock.advance((friday - clock.now()).total_seconds() - 1)
        wait_until(lambda: reviews(bot), clock)
        [review] = reviews(bot)
    finally:
        bot.server.stop()
    assert review["text"].splitlines() == [
        "*Weekly incident review* (since 2024-05-10)",
        "• #99 [P2] Old latency spike: resolved, report *not written*",
        "• #101 [P0] RAG errors above 1%: resolved, report done",
        "• #102 [P1] vLLM p95 latency above 3s: resolved, report *not written*",
        "• #103 [P2] Qdrant disk 85% full: acknowledged, report *not written*",
        "Open action items: 3 (unresolved incidents or missing reports).",
    ]


def reviews(bot):
    return [
        m for m in bot.posted("C0PLATFORM") if (m.get("text") or "").startswith("*Weekly incident review*")
    ]
