"""The recurring reviews against the sandbox's Prometheus and Cost Explorer: the weekly report on
demand with its charts, the Monday capacity review whose button opens the scale approval, the daily
morning check, and the Friday incident review of incidents that came in as signed webhooks."""

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from bot.clock import ManualClock
from bot.oncall.card import REPORT_DONE
from commands.status_checks import CHECKS
from sandbox import pagerduty_sender as pd
from tests.incident_support import sender
from tests.support import start_bot, wait_until

PACIFIC = ZoneInfo("America/Los_Angeles")
# the default schedules only: no daily backup and no maintenance notices in the minutes moved
QUIET = {"backups": {"daily": False}, "maintenance": {"window": {"enabled": False}}}


def test_the_weekly_report_has_real_numbers_this_week_and_says_where_history_starts(sandbox, tmp_path):
    clock = ManualClock(datetime.now(timezone.utc))
    bot = start_bot(sandbox, tmp_path / "db", clock)
    try:
        bot.slash("report weekly")
        wait_until(
            lambda: len([m for m in bot.posted("C0PLATFORM") if m["kind"] == "file"]) == 3, clock=clock
        )
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
        week = clock.now().isocalendar().week
        assert sorted(f["file"]["name"] for f in files) == [
            f"week-{week:02d}.md",
            "weekly-p95-latency.png",
            "weekly-throughput.png",
        ]
        [markdown] = [f for f in files if f["file"]["name"].endswith(".md")]
        assert markdown["file"]["content"].splitlines()[:4] == report["text"].splitlines()[:4]
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
            lambda: any("capacity review" in (m.get("text") or "") for m in bot.posted("C0PLATFORM")),
            clock=clock,
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
            clock=clock,
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
        wait_until(lambda: morning_checks(bot), clock=clock)
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
        clock=clock,
    )
    bot.click(report_summary(bot, 101), REPORT_DONE, "U0OPS1")
    wait_until(lambda: bot.store.incident("PINC101").report_done, clock=clock)


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
        wait_until(lambda: reviews(bot), clock=clock)
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


WEDNESDAY = datetime(2024, 5, 15, 17, 0, tzinfo=timezone.utc)  # 10:00 in Los Angeles
DOCUMENTED = (  # days before the report, incident, number, title, priority
    (10, "PINC201", 201, "Latency spike the week before", "P1"),  # not this week's: neither listed nor ticked
    (3, "PINC202", 202, "vLLM p95 latency above 3s", "P1"),
    (2, "PINC203", 203, "Inference down", "P0"),  # a P0 is written up in its own report, not here
    (1, "PINC204", 204, "Qdrant disk 85% full", "P2"),
)


def seed_documented(bot, clock) -> None:
    send = sender(bot)
    for days, incident, number, title, priority in DOCUMENTED:
        opened = WEDNESDAY - timedelta(days=days)
        data = pd.incident_data(incident, number, title, priority=priority, created=opened)
        send.send(pd.event("incident.triggered", data, at=opened, agent=None))
    wait_until(lambda: len(bot.store.incidents()) == len(DOCUMENTED), clock=clock)


def weekly_item(bot, incident: str) -> int:
    items = bot.bot.settings.oncall.checklists[bot.store.incident(incident).severity]
    return next(i for i, item in enumerate(items) if item.observes == "weekly")


def test_the_wednesday_report_lists_the_weeks_p1_and_p2_incidents_and_ticks_their_checklist_item(
    sandbox, tmp_path
):
    sandbox.pagerduty.reset()
    clock = ManualClock(WEDNESDAY - timedelta(hours=1))
    schedule = {"performance-report": {"review": "performance", "rrule": "FREQ=WEEKLY;BYDAY=WE;BYHOUR=10"}}
    bot = start_bot(sandbox, tmp_path / "db", clock, schedules=schedule, **QUIET)
    try:
        seed_documented(bot, clock)
        before = {i: set(bot.store.ticks(i)) for i in ("PINC201", "PINC202", "PINC204")}
        clock.advance((WEDNESDAY - clock.now()).total_seconds() - 1)
        wait_until(
            lambda: _posted(bot, "# Weekly performance report") and _posted(bot, "week-20.md"), clock=clock
        )
        [report], [upload] = _posted(bot, "# Weekly performance report"), _posted(bot, "week-20.md")
        ticks = {i: bot.store.ticks(i) for i in ("PINC201", "PINC202", "PINC204")}
        items = {i: weekly_item(bot, i) for i in ("PINC201", "PINC202", "PINC204")}
        checklists = [m for m in bot.posted("C0INCIDENT") if "checklist" in (m.get("text") or "")]
    finally:
        bot.server.stop()
    listed = [
        "#202 [P1] vLLM p95 latency above 3s: triggered",
        "#204 [P2] Qdrant disk 85% full: triggered",
    ]
    assert report["text"].split("## P1/P2 incidents this week\n\n")[1].splitlines()[:2] == listed
    assert "#201" not in report["text"] and "#203" not in report["text"]
    assert all(line in upload["file"]["content"] for line in listed)
    assert all(items[i] not in before[i] for i in before)  # nobody ticked them before the report
    assert (ticks["PINC202"][items["PINC202"]].ticked_by, ticks["PINC204"][items["PINC204"]].ticked_by) == (
        "llmbot",
        "llmbot",
    )
    assert items["PINC201"] not in ticks["PINC201"]
    assert any(
        m["kind"] == "update" and "✓ Document in the weekly report: llmbot" in str(m["blocks"])
        for m in checklists
    )


def test_the_weekly_report_on_demand_lists_the_same_incidents_as_the_wednesday_post(sandbox, tmp_path):
    sandbox.pagerduty.reset()
    clock = ManualClock(WEDNESDAY)
    bot = start_bot(sandbox, tmp_path / "db", clock, **QUIET)
    try:
        seed_documented(bot, clock)
        assert bot.slash("report weekly").status_code == 200
        wait_until(lambda: _posted(bot, "# Weekly performance report"), clock=clock)
        [report] = _posted(bot, "# Weekly performance report")
    finally:
        bot.server.stop()
    section = report["text"].split("## P1/P2 incidents this week\n\n")[1].splitlines()
    assert section[:2] == [
        "#202 [P1] vLLM p95 latency above 3s: triggered",
        "#204 [P2] Qdrant disk 85% full: triggered",
    ]


def _posted(bot, starts: str) -> list[dict]:
    found = []
    for m in bot.posted("C0PLATFORM"):
        name = (m.get("file") or {}).get("name", "")
        if (m["kind"] == "post" and (m.get("text") or "").startswith(starts)) or name == starts:
            found.append(m)
    return found
