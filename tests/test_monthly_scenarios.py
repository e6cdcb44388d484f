"""The monthly and quarterly reviews against the sandbox, each posted by its schedule with the clock
moved past it: the cost optimisation review and the security audit with the manual's action items as
a checklist operators tick (each tick a compare-and-set with who and when, audited), the model-update
check whose buttons schedule a maintenance window and ask for a canary as the clicker, and the
quarterly runbook review with its owner, due date and five-step update process."""

from __future__ import annotations

import re
from datetime import timedelta

from commands import monthly, runbook_review, security, updates
from tests.review_support import (
    CHANNEL,
    boxes,
    due_soon,
    latest,
    replies_to,
    review_post,
    thread_checklist,
    tick,
    wait_until,
)


def values(message: dict) -> list[str]:
    return [o["value"] for o in boxes(message)["options"]]


def test_the_cost_review_posts_each_cost_answer_with_the_manuals_three_actions_to_tick(sandbox, tmp_path):
    bot = due_soon(sandbox, tmp_path / "db", "cost")
    try:
        review = review_post(bot, "*Monthly cost optimisation review*")
        checklist = thread_checklist(bot, review)
        key = values(checklist)[0].split("|")[0]
        assert checklist["text"] == "Action items (0/3 done)"
        assert [o["text"]["text"] for o in boxes(checklist)["options"]] == list(monthly.ACTIONS)
        tick(bot, checklist, [f"{key}|1"], "U0OPS1")
        wait_until(lambda: 1 in bot.store.ticks(key), clock=bot.clock)
        updated, ticks = latest(bot, checklist), bot.store.ticks(key)
        audited = [
            (e.verb, e.args, e.outcome) for e in bot.store.audit_entries() if e.verb == "review checklist"
        ]
    finally:
        bot.stop()
    titles = re.findall(r"^\*([^*]+)\*$", review["text"], re.M)
    assert titles == ["Spend by service", "Unused resources", "Spot savings", "Forecast"]
    assert review["blocks"][0]["elements"][0]["text"] == "💰 Cost optimisation review (scheduled)"
    assert ticks[1].ticked_by == "@U0OPS1"
    assert updated["text"] == "Action items (1/3 done)"
    assert "✓ Request budget adjustment if needed: <@U0OPS1>" in str(updated["blocks"])
    assert audited == [("review checklist", "Action items: Request budget adjustment if needed", "ticked")]


def test_a_viewer_cannot_tick_and_a_stale_view_keeps_the_ticks_others_made(sandbox, tmp_path):
    bot = due_soon(sandbox, tmp_path / "db", "security")
    try:
        review = review_post(bot, "*Monthly security audit*")
        first = thread_checklist(bot, review)
        key = values(first)[0].split("|")[0]
        tick(bot, first, [f"{key}|0"], "U0VIEW")
        bot.settle()
        tick(bot, first, [f"{key}|0"], "U0OPS1")
        wait_until(lambda: 0 in bot.store.ticks(key), clock=bot.clock)
        tick(bot, first, [f"{key}|2"], "U0OPS2")  # from the message as first posted: nothing ticked then
        wait_until(lambda: 2 in bot.store.ticks(key), clock=bot.clock)
        now, ticks = latest(bot, first), bot.store.ticks(key)
    finally:
        bot.stop()
    assert [o["text"]["text"] for o in boxes(first)["options"]] == list(security.ACTIONS)
    assert "Image vulnerabilities" in review["text"]
    assert replies_to(bot, "U0VIEW") == [
        "Ticking a review's action items needs the operator role (yours: viewer); nothing changed."
    ]
    assert {i: t.ticked_by for i, t in ticks.items()} == {0: "@U0OPS1", 2: "@U0OPS2"}
    assert now["text"] == "Action items (2/3 done)"


def test_the_runbook_review_names_its_owner_and_due_date_with_the_five_step_process(sandbox, tmp_path):
    bot = due_soon(
        sandbox,
        tmp_path / "db",
        "runbook",
        reviews={"runbook_owner": "S0PLATFORM", "runbook_due_days": 10},
        links={"runbook": "https://wiki.example.com/llm-platform/runbooks"},
    )
    try:
        review = review_post(bot, "*Quarterly runbook review*")
        checklist = thread_checklist(bot, review)
    finally:
        bot.stop()
    due = bot.clock.now().date() + timedelta(days=10)
    lines = review["text"].splitlines()
    assert lines[1:3] == ["• Owner: <!subteam^S0PLATFORM>", f"• Due: {due:%A %d %B %Y}"]
    assert "<https://wiki.example.com/llm-platform/runbooks|the runbooks>" in lines[3]
    assert checklist["text"] == "Update process (0/5 done)"
    assert [o["text"]["text"] for o in boxes(checklist)["options"]] == list(runbook_review.STEPS)


def buttons(message: dict) -> dict[str, str]:
    found = [e for b in message["blocks"] if b["type"] == "actions" for e in b["elements"]]
    return {e["action_id"]: e["value"] for e in found if e["type"] == "button"}


def test_the_model_update_check_buttons_schedule_the_next_window_and_ask_for_a_canary(sandbox, tmp_path):
    bot = due_soon(sandbox, tmp_path / "db", "updates")
    try:
        review = review_post(bot, "*Monthly model update check*\nvllm-llama-3-70b runs `vllm/vllm-openai:")
        image = buttons(review)[updates.START_CANARY]
        bot.click(review, updates.START_CANARY, "U0OPS2")
        wait_until(lambda: _approval(bot, f"Start canary {image}"), clock=bot.clock)
        bot.click(review, updates.SCHEDULE_WINDOW, "U0OPS1")
        wait_until(lambda: bot.store.window_rows(bot.clock.time()), clock=bot.clock)
        [row] = bot.store.window_rows(bot.clock.time())
        checklist = thread_checklist(bot, review)
    finally:
        bot.stop()
    assert image.startswith("vllm/vllm-openai:v") and set(buttons(review)) >= {updates.SCHEDULE_WINDOW}
    assert (row.reason, row.state, row.by) == (f"model update to {image}", "scheduled", "U0OPS1")
    assert [o["text"]["text"] for o in boxes(checklist)["options"]] == list(updates.PROCEDURE)
    said = replies_to(bot, "U0OPS1")
    assert any(r.startswith("Scheduling the next default window: `/llm maintenance schedule ") for r in said)


def _approval(bot, title: str) -> bool:
    return any(
        m.get("blocks") and f"Approval needed: {title}" in m["blocks"][0].get("text", {}).get("text", "")
        for m in bot.posted(CHANNEL)
    )
