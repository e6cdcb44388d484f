"""Changes wait for a second person's click: the card, the decision, the execution, and every race
and refusal around them, over signed HTTP against the sandbox."""

import threading
import time
from datetime import datetime, timezone

import pytest
import requests

from bot.changes.card import APPROVE, REJECT
from bot.clock import ManualClock
from bot.state import Effects, NewJob, Store, approvals
from tests.support import start_bot, wait_until

NS = "llm-inference"


def replicas(sandbox, name):
    return sandbox.kube.cluster.get("deployments", NS, name)["spec"]["replicas"]


def card_of(bot, channel="C0PLATFORM"):
    return bot.wait_for_posts(
        channel=channel,
        where=lambda m: (
            m["kind"] == "post" and m.get("blocks") and "Approval needed" in m["blocks"][0]["text"]["text"]
        ),
    )[0]


def latest_card(bot, card):
    versions = [m for m in bot.posted(card["channel"]) if m["ts"] == card["ts"] and m["ok"]]
    return versions[-1]


def thread(bot, card):
    return [
        m for m in bot.posted(card["channel"]) if m.get("thread_ts") == card["ts"] and m["kind"] == "post"
    ]


def test_scale_runs_only_after_a_second_person_approves(bot, sandbox, restore_rag):
    assert bot.slash("scale rag-service 4").json()["text"] == "⏳ Working on `/llm scale`…"
    card = card_of(bot)
    assert card["blocks"][0]["text"]["text"] == "🔐 Approval needed: Scale rag-service"
    assert "`deployment/rag-service replicas: 3 → 4`" in card["blocks"][2]["text"]["text"]
    assert [e["action_id"] for e in card["blocks"][-1]["elements"]] == [APPROVE, REJECT]
    bot.settle()
    assert replicas(sandbox, "rag-service") == 3  # nothing happens before the click
    assert bot.click(card, APPROVE, "U0OPS2").status_code == 200
    wait_until(lambda: any(m["text"].startswith("✅ rag-service scaled to 4") for m in thread(bot, card)))
    assert replicas(sandbox, "rag-service") == 4
    final = latest_card(bot, card)
    assert final["blocks"][0]["text"]["text"] == "✅ Done: Scale rag-service"
    assert not any(b["type"] == "actions" for b in final["blocks"])
    outcomes = [e.outcome for e in bot.store.audit_entries()]
    assert {"requested", "approve", "succeeded"} <= set(outcomes)


def test_the_requester_cannot_approve_their_own_request(bot, sandbox):
    bot.slash("scale rag-service 5")
    card = card_of(bot)
    bot.click(card, APPROVE, "U0OPS1")
    [reply] = bot.wait_for_posts(where=lambda m: m["kind"] == "response_url")
    assert reply["text"] == "You asked for request #1; someone else has to approve it."
    assert bot.store.approval(1).state == "pending"
    assert replicas(sandbox, "rag-service") == 3


def test_a_viewer_clicking_approve_is_refused_and_nothing_changes(bot):
    bot.slash("scale rag-service 5")
    bot.click(card_of(bot), APPROVE, "U0VIEW")
    [reply] = bot.wait_for_posts(where=lambda m: m["kind"] == "response_url")
    assert reply["text"] == "Approving `/llm scale` needs the approver role (yours: viewer); nothing changed."
    assert bot.store.approval(1).state == "pending"


def test_a_viewer_cannot_even_ask_for_a_change(bot):
    text = bot.slash("scale rag-service 5", user="U0VIEW").json()["text"]
    assert text.startswith("⛔ `/llm scale` needs the *operator* role; your role is *viewer*.")
    assert bot.store.approvals(("pending",)) == []


def test_rejecting_closes_the_request_and_changes_nothing(bot, sandbox):
    bot.slash("scale rag-service 6")
    card = card_of(bot)
    bot.click(card, REJECT, "U0OPS2")
    wait_until(lambda: any("Rejected by <@U0OPS2>" in m["text"] for m in thread(bot, card)))
    assert bot.store.approval(1).state == "rejected"
    assert latest_card(bot, card)["blocks"][0]["text"]["text"] == "❌ Rejected: Scale rag-service"
    assert replicas(sandbox, "rag-service") == 3


def test_the_same_person_approving_twice_counts_once(sandbox, tmp_path):
    running = start_bot(sandbox, tmp_path / "db", approvals={"default": {"required": 2}})
    try:
        running.slash("scale rag-service 2")
        card = card_of(running)
        running.click(card, APPROVE, "U0OPS2")
        running.click(card, APPROVE, "U0OPS2")
        [reply] = running.wait_for_posts(where=lambda m: m["kind"] == "response_url")
        assert reply["text"] == "You already approved request #1."
        assert running.store.approval(1).state == "pending"
        assert [v.user for v in running.store.votes(1)] == ["U0OPS2"]
    finally:
        running.server.stop()


def test_two_approvers_clicking_at_once_execute_the_change_once(sandbox, tmp_path, restore_rag):
    users = {"U0OPS1": "approver", "U0OPS2": "approver", "U0ADMIN": "approver"}
    bot = start_bot(sandbox, tmp_path / "db", rbac={"users": users})
    bot.slash("scale rag-service 4")
    card = card_of(bot)
    clicks = [
        threading.Thread(target=bot.click, args=(card, APPROVE, user)) for user in ("U0OPS2", "U0ADMIN")
    ]
    for click in clicks:
        click.start()
    for click in clicks:
        click.join()
    wait_until(lambda: bot.store.approval(1).state == "succeeded")
    bot.settle()  # a second execution would have posted by now
    outcomes = [m for m in thread(bot, card) if m["text"].startswith(("✅", "💥"))]
    assert len(outcomes) == 1
    assert [e.outcome for e in bot.store.audit_entries()].count("succeeded") == 1
    bot.server.stop()


def test_a_request_nobody_approves_expires_on_time_and_the_card_says_so(sandbox, tmp_path):
    clock = ManualClock(datetime(2026, 11, 27, 10, 0, tzinfo=timezone.utc))
    running = start_bot(sandbox, tmp_path / "db", clock=clock)
    try:
        running.slash("scale rag-service 5")
        card = card_of(running)
        clock.advance(29 * 60)
        running.settle()  # everything due now runs: nothing may expire before its time
        assert running.store.approval(1).state == "pending"
        clock.advance(61)
        wait_until(lambda: running.store.approval(1).state == "expired")
        wait_until(
            lambda: any(
                m["text"].startswith("⌛ Expired: nobody approved within 30 min")
                for m in thread(running, card)
            )
        )
        assert latest_card(running, card)["blocks"][0]["text"]["text"] == "⌛ Expired: Scale rag-service"
        running.click(card, APPROVE, "U0OPS2")
        [reply] = running.wait_for_posts(where=lambda m: m["kind"] == "response_url")
        assert reply["text"] == "Request #1 is already expired; nothing changed."
        assert replicas(sandbox, "rag-service") == 3
    finally:
        running.server.stop()


def test_a_click_after_the_deadline_but_before_the_sweep_is_refused(sandbox, tmp_path):
    clock = ManualClock(datetime(2026, 11, 27, 10, 0, tzinfo=timezone.utc))
    running = start_bot(sandbox, tmp_path / "db", clock=clock)
    running.server.bot.scheduler.stop()  # no sweeper: the click itself must notice the deadline
    try:
        running.slash("scale rag-service 5")
        card = card_of(running)
        clock.advance(31 * 60)
        running.click(card, APPROVE, "U0OPS2")
        [reply] = running.wait_for_posts(where=lambda m: m["kind"] == "response_url")
        assert reply["text"].startswith("Request #1 expired at <!date^")
        assert running.store.approval(1).state == "expired"
    finally:
        running.server.stop()


def test_dry_run_shows_the_change_and_creates_nothing(bot):
    bot.slash("scale rag-service 5 --dry-run")
    [reply] = bot.wait_for_posts(where=lambda m: m["kind"] == "response_url")
    assert reply["text"].startswith(
        "🧪 *Dry run* of `/llm scale rag-service 5 --dry-run`: nothing was changed."
    )
    assert "deployment/rag-service replicas: 3 → 5" in reply["text"]
    assert bot.store.approvals(("pending", "approved")) == []
    assert bot.posted(channel="C0PLATFORM") == [reply]


@pytest.mark.parametrize(
    "text, message",
    [
        (
            "scale qdrant 2",
            "`qdrant` is not a deployment llmbot manages; choose one of `vllm-llama-3-70b`, `rag-service`.",
        ),
        ("scale rag-service 99", "99 replicas is above the limit of 10 (platform.max_replicas)."),
    ],
)
def test_a_bad_target_is_a_clear_error_and_nothing_is_created(bot, text, message):
    bot.slash(text)
    [reply] = bot.wait_for_posts(where=lambda m: m["kind"] == "response_url")
    assert reply["text"].startswith(
        f"⚠️ {message}\nUsage: `/llm scale &lt;deployment&gt; &lt;replicas&gt; [--dry-run]`"
    )
    assert bot.store.approvals(("pending",)) == []


def test_a_negative_replica_count_is_refused_in_the_ack(bot):
    text = bot.slash("scale rag-service -1").json()["text"]
    assert text == (
        "⚠️ &lt;replicas&gt; must be at least 0.\n"
        "Usage: `/llm scale &lt;deployment&gt; &lt;replicas&gt; [--dry-run]`"
        "\nExample: `/llm scale rag-service 5`"
    )


def test_the_requester_can_cancel_a_pending_request_and_others_cannot(bot):
    bot.slash("scale rag-service 5")
    card = card_of(bot)
    assert bot.slash("approvals cancel 1", user="U0OPS2").json()["text"] == (
        "Only <@U0OPS1>, who asked, can cancel request #1."
    )
    assert "#1 `/llm scale rag-service 5` by <@U0OPS1>" in bot.slash("approvals").json()["text"]
    assert bot.slash("approvals cancel 1").json()["text"] == "Request #1 cancelled; nothing was changed."
    wait_until(
        lambda: latest_card(bot, card)["blocks"][0]["text"]["text"] == "🚫 Cancelled: Scale rag-service"
    )
    assert bot.slash("approvals").json()["text"] == "No pending approvals."


def test_a_forged_button_click_is_refused(bot):
    from sandbox.slack_sender import action_body, signed_headers

    bot.slash("scale rag-service 5")
    card = card_of(bot)
    body = action_body(APPROVE, "1", "U0OPS2", "C0PLATFORM", card, "")
    response = requests.post(
        f"{bot.url}/slack/events", data=body, headers=signed_headers("wrong-secret", body), timeout=5
    )
    assert response.status_code == 401
    bot.settle()
    assert bot.store.approval(1).state == "pending"


def test_a_restart_during_execution_is_reported_and_resumed_not_silently_rerun(
    sandbox, tmp_path, restore_rag
):
    first = start_bot(sandbox, tmp_path / "db")
    first.slash("scale rag-service 4")
    card = card_of(first)
    first.server.stop()
    store = Store(tmp_path / "db")  # what a crash right after "executing" leaves behind
    now = time.time()
    started = Effects.of(
        approvals.move(1, "pending", "approved", now, by="U0OPS2"),
        approvals.move(1, "approved", "executing", now),
        NewJob("execute", {"approval_id": 1}),
    )
    assert store.commit(started, now) is not None
    assert store.claim_next_job(now).kind == "execute"
    store.close()
    second = start_bot(sandbox, tmp_path / "db")
    second.since = first.since
    try:
        wait_until(lambda: any(m["text"].startswith("✅") for m in thread(second, card)))
        texts = [m["text"] for m in thread(second, card)]
        assert texts[0].startswith("⚠️ The bot restarted while this change was running. Resuming")
        assert texts[-1].startswith("✅ rag-service scaled to 4")
        assert replicas(sandbox, "rag-service") == 4
    finally:
        second.server.stop()


def test_a_pending_approval_survives_a_restart_and_its_buttons_still_work(sandbox, tmp_path, restore_rag):
    first = start_bot(sandbox, tmp_path / "db")
    first.slash("scale rag-service 4")
    card = card_of(first)
    first.server.stop()
    second = start_bot(sandbox, tmp_path / "db")
    second.since = first.since
    try:
        second.click(card, APPROVE, "U0OPS2")
        wait_until(lambda: second.store.approval(1).state == "succeeded")
        assert replicas(sandbox, "rag-service") == 4
    finally:
        second.server.stop()


def test_an_approval_from_an_older_version_without_its_execute_job_runs_after_restart(
    sandbox, tmp_path, restore_rag
):
    first = start_bot(sandbox, tmp_path / "db")
    first.slash("scale rag-service 4")
    card_of(first)
    first.server.stop()
    store = Store(tmp_path / "db")  # approved, its job never written: only an older llmbot could leave this
    assert store.commit(Effects.of(approvals.move(1, "pending", "approved", time.time(), by="U0OPS2")), 0)
    store.close()
    second = start_bot(sandbox, tmp_path / "db")
    try:
        wait_until(lambda: second.store.approval(1).state == "succeeded")
        assert replicas(sandbox, "rag-service") == 4
    finally:
        second.server.stop()


@pytest.mark.parametrize(
    "action_id, value",
    [
        ("approval:delete", "1"),
        ("approval:approve", str(10**23)),
        ("approval:approve", "²"),
        ("approval:approve", "-1"),
    ],
)
def test_only_the_exact_button_with_a_real_request_number_does_anything(bot, action_id, value):
    from sandbox.slack_sender import action_body

    bot.slash("scale rag-service 4")
    card = card_of(bot)
    url = bot.sandbox.slack.new_response_url("C0PLATFORM", "U0OPS2")
    assert (
        bot.sender.post(action_body(action_id, value, "U0OPS2", "C0PLATFORM", card, url)).status_code == 200
    )
    bot.settle()
    [reply] = [m["text"] for m in bot.posted() if m["kind"] == "response_url"]
    assert "nothing changed" in reply and "💥" not in reply
    assert bot.store.approval(1).state == "pending"


def test_a_viewer_clicking_reject_is_told_rejecting_needs_the_approver_role(bot):
    bot.slash("scale rag-service 5")
    bot.click(card_of(bot), REJECT, "U0VIEW")
    [reply] = bot.wait_for_posts(where=lambda m: m["kind"] == "response_url")
    assert reply["text"] == "Rejecting `/llm scale` needs the approver role (yours: viewer); nothing changed."
    assert bot.store.approval(1).state == "pending"
