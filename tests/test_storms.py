"""An incident storm at Slack's pace (one post a second per channel, on the bot's clock): one digest
leads the channel and lists every incident, P0/P1 roots go before P2/P3 ones and before thread
details, #llm-platform gets one storm line instead of a pointer per P0, and an answer asked for in
#llm-platform meanwhile does not wait behind the storm."""

from datetime import datetime, timezone

from bot.clock import ManualClock
from sandbox import pagerduty_sender as pd
from tests.incident_support import sender
from tests.support import start_bot

ORDER = ["P3", "P3", "P2", "P0", "P3", "P1", "P2", "P0"]


def test_a_storm_gets_a_digest_first_then_urgent_roots_and_one_line_in_the_platform_channel(
    sandbox, tmp_path
):
    sandbox.pagerduty.reset()
    clock = ManualClock(datetime.now(timezone.utc))
    running = start_bot(
        sandbox, tmp_path / "db", clock, slack={"pace_seconds": 1.0}, oncall={"storm_threshold": 3}
    )
    try:
        send = sender(running)
        paged = [sandbox.pagerduty.page(p, f"storm test {n}") for n, p in enumerate(ORDER)]
        for incident in paged:
            send.send(pd.event("incident.triggered", pd.webhook_data(incident), agent=None))
        running.slash("status", channel="C0PLATFORM")
        for _ in range(30):
            running.settle()
            clock.advance(1)
        everything = [m for m in running.posted("C0INCIDENT") if m["ok"]]
        posts = [m for m in everything if m["kind"] == "post"]
        tops = [m["text"] for m in posts if not m.get("thread_ts")]
        platform = [m["text"] for m in running.posted("C0PLATFORM") if m["kind"] == "post"]
    finally:
        running.stop()
    assert tops[0].startswith("🌩️ Incident storm")
    digest = [m["text"] for m in everything if m["ts"] == posts[0]["ts"]]
    assert digest[-1].startswith("🌩️ Incident storm: 8 incidents")  # edited in place as they came
    severities = [t.split(" · ")[0][-2:] for t in tops[1:]]
    assert severities[:3] == ["P0", "P1", "P0"]  # those opened after the storm began and urgent, first
    assert sorted(severities) == sorted(ORDER)
    assert [t for t in platform if t.startswith("🔴 P0 incident")] == []  # no pointer per P0 in a storm
    assert sum(t.startswith("🌩️ Incident storm") for t in platform) == 1
    answer = next(n for n, t in enumerate(platform) if t.startswith("LLM platform status"))
    assert answer <= 1  # the storm line and the answer take turns; the answer did not wait for the storm


def test_ten_thousand_timers_due_together_fire_in_one_sweep(tmp_path):
    from bot.scheduler import Scheduler
    from bot.state import Effects, SetTimer, Store

    store, clock, fired = Store(tmp_path / "s.db"), ManualClock(datetime(2026, 1, 1, tzinfo=timezone.utc)), []
    timers = [SetTimer("t", str(n), clock.time()) for n in range(10_000)]
    store.commit(Effects.of(*timers), clock.time())
    scheduler = Scheduler(store, {"t": lambda timer, late: fired.append(timer.key) or Effects()}, clock)
    assert scheduler.fire_due() == 10_000
    assert len(set(fired)) == 10_000 and store.timers("pending") == []
