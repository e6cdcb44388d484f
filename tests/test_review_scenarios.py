"""The recurring reviews against the sandbox's Prometheus and Cost Explorer: the weekly report on
demand with its charts, and the Monday capacity review whose button opens the scale approval."""
import time
from datetime import datetime, timedelta, timezone

from bot.clock import ManualClock
from tests.support import start_bot


def wait_until(predicate, clock, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
        clock.advance(1)  # the outbox paces posts per channel on the bot's clock
    raise AssertionError("condition not met in time")


def test_the_weekly_report_has_real_numbers_this_week_and_says_where_history_starts(sandbox, tmp_path):
    clock = ManualClock(datetime.now(timezone.utc))
    bot = start_bot(sandbox, tmp_path / "db", clock)
    try:
        bot.slash("report weekly")
        wait_until(lambda: len([m for m in bot.posted("C0PLATFORM") if m["kind"] == "file"]) == 2, clock)
        [report] = [m for m in bot.posted("C0PLATFORM") if "Weekly performance report" in (m.get("text") or "")]
        rows = report["text"].splitlines()[4:8]
        assert [r.split(" | ")[0] for r in rows] == ["| P95 latency", "| Throughput", "| Error rate",
                                                     "| Cost per inference"]
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
    bot = start_bot(sandbox, tmp_path / "db", clock,
                    reviews={"scale_up_percent": 1, "scale_down_percent": 0},  # any GPU load asks to scale up
                    schedules={"capacity-test": {"review": "capacity", "rrule": rule, "zone": "UTC"}})
    try:
        clock.advance(180)
        wait_until(lambda: any("capacity review" in (m.get("text") or "") for m in bot.posted("C0PLATFORM")), clock)
        [review] = [m for m in bot.posted("C0PLATFORM") if "capacity review" in (m.get("text") or "")]
        assert "scale vllm-llama-3-70b up to 3 replicas" in review["text"]
        bot.click(review, "review:scale", "U0OPS1")
        wait_until(lambda: any(m.get("blocks") and "Approval needed: Scale vllm-llama-3-70b" in
                               m["blocks"][0].get("text", {}).get("text", "") for m in bot.posted("C0PLATFORM")), clock)
    finally:
        bot.server.stop()
