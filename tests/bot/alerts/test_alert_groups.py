"""The alert-group engine's steps and the Effects they return: one message per group firing episode,
posted at PAGE priority when critical and edited (DETAIL) as alerts resolve or join, a single critical
line in the platform channel per episode, late re-sends ignored, and a new message when a group that
had resolved fires again."""

from bot.alerts.groups import SILENCE_ENDS
from bot.state import CancelTimer, SetTimer
from bot.state.outbox import ANSWER, DETAIL, PAGE
from tests.bot.alerts.engine import Engine, group_of
from tests.bot.alerts.notifications import alert, body, headers, resolved

FIRST = alert()
SECOND = alert(fingerprint="f00d0000000000a2", pod="vllm-llama-3-70b-1")
GROUP = group_of(FIRST)


def shape(fx):
    return [(p.method, p.channel, p.key, p.priority) for p in fx.posts]


def test_a_critical_group_is_posted_at_page_priority_with_one_line_in_the_platform_channel(tmp_path):
    fx = Engine(tmp_path / "db").deliver(FIRST)
    assert shape(fx) == [
        ("chat.postMessage", "C0ALERTS", f"alert:{GROUP}:1", PAGE),
        ("chat.postMessage", "C0PLATFORM", f"alert:{GROUP}:1:critical", PAGE),
    ]
    assert (
        "Critical alert firing: *VLLMHighErrorRate* (llm-inference/vllm-llama-3-70b)"
        in fx.posts[1].body["text"]
    )


def test_a_warning_group_is_posted_as_an_answer_without_a_platform_line(tmp_path):
    fx = Engine(tmp_path / "db").deliver(alert(severity="warning"))
    assert shape(fx) == [("chat.postMessage", "C0ALERTS", f"alert:{GROUP}:1", ANSWER)]


def test_an_alert_joining_edits_the_same_message_and_adds_no_second_critical_line(tmp_path):
    engine = Engine(tmp_path / "db")
    engine.deliver(FIRST)
    fx = engine.deliver(FIRST, SECOND)
    assert shape(fx) == [("chat.update", "C0ALERTS", f"alert:{GROUP}:1", DETAIL)]
    assert "Firing (2 of 2)" in str(fx.posts[0].body["blocks"])


def test_resolving_edits_the_message_to_say_all_resolved_without_buttons(tmp_path):
    engine = Engine(tmp_path / "db")
    engine.deliver(FIRST)
    fx = engine.deliver(resolved(FIRST))
    blocks = fx.posts[0].body["blocks"]
    assert shape(fx) == [("chat.update", "C0ALERTS", f"alert:{GROUP}:1", DETAIL)]
    assert blocks[0]["text"]["text"] == "✅ Resolved · VLLMHighErrorRate"
    assert "All resolved" in str(blocks) and not [b for b in blocks if b["type"] == "actions"]
    assert engine.store.alert_group(GROUP).state == "resolved"


def test_a_late_resend_of_the_firing_after_the_resolve_changes_nothing_shown(tmp_path):
    engine = Engine(tmp_path / "db")
    engine.deliver(FIRST)
    engine.deliver(resolved(FIRST))
    fx = engine.deliver(FIRST)  # Alertmanager retrying the firing: its digest was stored already
    assert fx.posts == () and engine.store.alert_group(GROUP).state == "resolved"


def test_a_group_that_fires_again_after_resolving_gets_a_new_message_and_a_new_critical_line(tmp_path):
    engine = Engine(tmp_path / "db")
    engine.deliver(FIRST)
    engine.deliver(resolved(FIRST))
    fx = engine.deliver(alert(starts="2025-03-01T11:00:00Z"))
    assert [p.key for p in fx.posts] == [f"alert:{GROUP}:2", f"alert:{GROUP}:2:critical"]
    assert [a["startsAt"] for a in engine.store.alert_group(GROUP).alerts] == ["2025-03-01T11:00:00Z"]


def test_a_stale_firing_of_an_alert_that_resolved_is_not_a_new_episode(tmp_path):
    engine = Engine(tmp_path / "db")
    engine.deliver(FIRST, SECOND)
    engine.deliver(resolved(FIRST), resolved(SECOND))
    fx = engine.deliver(FIRST, resolved(SECOND, ends="2025-03-01T10:06:00Z"))  # a retry arriving late
    assert [p.method for p in fx.posts] == ["chat.update"]
    assert engine.store.alert_group(GROUP).state == "resolved"


def test_notifications_stored_before_the_job_ran_are_applied_in_order_in_one_step(tmp_path):
    engine = Engine(tmp_path / "db")
    for alerts in ([FIRST], [FIRST, SECOND], [resolved(FIRST), SECOND]):
        engine.intake(headers(), body(*alerts))
    fx = engine.apply(GROUP)
    assert [p.method for p in fx.posts] == ["chat.postMessage", "chat.postMessage"]
    assert "Firing (1 of 2)" in str(fx.posts[0].body["blocks"])
    assert [e.state for e in engine.store.alert_events()] == ["applied"] * 3
    assert engine.apply(GROUP).posts == ()


def test_a_silence_is_recorded_shown_and_taken_off_when_it_ends(tmp_path):
    engine = Engine(tmp_path / "db")
    engine.deliver(FIRST)
    until = engine.clock.time() + 3600
    fx, _ = engine.store.run_step(
        lambda: engine.groups.silenced(GROUP, "sil-1", "@U0OPS1", until), until - 3600
    )
    assert SetTimer(SILENCE_ENDS, GROUP, until) in fx.timers
    assert "🔕 silenced by <@U0OPS1> until <!date^" in str(fx.posts[0].body["blocks"])
    engine.clock.advance(3600)
    timer = next(t for t in engine.store.timers() if t.kind == SILENCE_ENDS)
    fx, _ = engine.store.run_step(lambda: engine.groups.on_silence_ends(timer, 0.0), engine.clock.time())
    assert CancelTimer(SILENCE_ENDS, GROUP) in fx.timers and "🔕" not in str(fx.posts[0].body["blocks"])
    assert engine.store.alert_group(GROUP).silence_id == ""
