"""The watch engine's steps for pods, asserted on the Effects they return: one keyed message per
Deployment and reason, edited in place as restarts grow (counts at most every edit_seconds), resolved
in place, the same message again within the quiet period and a new one after it, and a relist that
reconciles without posting twice."""

import pytest

from bot.watch import card
from tests.bot.watch.engine import CHANNEL, Engine, posts, words
from tests.bot.watch.objects import changed, event, pod, relisted

KEY = "kube:Deployment/rag-service:OOMKilled:1"


@pytest.fixture
def engine(tmp_path):
    return Engine(tmp_path / "db", quiet_minutes=10, edit_seconds=60)


def test_an_oom_killed_pod_is_posted_once_in_the_alerts_channel_with_its_buttons(engine):
    fx = engine.see(changed(pod(problem="oom", restarts=1)))
    [post] = posts(fx)
    assert (post.channel, post.key) == (CHANNEL, KEY)
    assert post.body["text"] == "💥 OOMKilled: deployment rag-service"
    assert "💥 *OOMKilled* · deployment `rag-service` in `llm-inference`" in words(post)
    assert "`rag-service-7b9d8c6f5d-x2x9q`: 1 restart" in words(post)
    buttons = post.body["blocks"][-1]["elements"]
    assert [b["action_id"] for b in buttons] == [card.LOGS, card.EVENTS, card.DESCRIBE]
    assert {b["value"] for b in buttons} == {"Deployment/rag-service|OOMKilled"}
    again = engine.see(changed(pod(problem="oom", restarts=1)))  # the same again: only the resourceVersion
    assert again.posts == () and [w.what for w in again.writes] == ["watch state resource_version:Pod"]


def test_three_replicas_oom_killed_make_one_message_counting_pods_and_restarts(engine):
    fx = engine.see(
        relisted("Pod", *(pod(s, problem="oom", restarts=n) for s, n in [("a", 2), ("b", 3), ("c", 2)]))
    )
    [post] = posts(fx)
    assert "*3 pods · 7 restarts*" in words(post)


def test_growing_restarts_edit_the_message_at_most_every_edit_seconds(engine):
    engine.see(changed(pod(problem="oom", restarts=1)))
    quiet = engine.later(10).see(changed(pod(problem="oom", restarts=2)))
    assert quiet.posts == () and [w.what for w in quiet.writes][0].endswith(
        "version 1 -> 2"
    )  # counted, not shown
    [edit] = posts(engine.later(60).see(changed(pod(problem="oom", restarts=7))), "chat.update")
    assert edit.key == KEY and "1 pod · 7 restarts" in words(edit)


def test_another_pod_joining_is_shown_at_once(engine):
    engine.see(changed(pod("a", problem="oom", restarts=1)))
    [edit] = posts(engine.later(1).see(changed(pod("b", problem="oom", restarts=1))), "chat.update")
    assert "2 pods · 2 restarts" in words(edit)


def test_a_pod_that_runs_again_resolves_the_message_in_place(engine):
    engine.see(changed(pod(problem="oom", restarts=4)))
    fx = engine.later(30).see(changed(pod(restarts=4)))
    [edit] = posts(fx, "chat.update")
    assert edit.key == KEY and edit.body["text"].endswith("(resolved)")
    assert "✅ Resolved <!date^" in words(edit) and "its pods run again" in words(edit)
    assert engine.store.kube_problem("Deployment", "rag-service", "OOMKilled").state == "resolved"


def test_a_deleted_pod_leaves_its_problem_which_resolves_when_no_pod_is_left(engine):
    engine.see(changed(pod("a", problem="crashloop")))
    engine.see(changed(pod("b", problem="crashloop")))
    one_left = engine.see(changed(pod("a", problem="crashloop"), type="DELETED"))
    assert engine.store.kube_problem("Deployment", "rag-service", "CrashLoopBackOff").state == "active"
    assert "1 pod · 0 restarts" in words(posts(one_left, "chat.update")[0])
    engine.see(changed(pod("b", problem="crashloop"), type="DELETED"))
    assert engine.store.kube_problem("Deployment", "rag-service", "CrashLoopBackOff").state == "resolved"


def test_a_flapping_pod_within_the_quiet_period_updates_the_same_message(engine):
    engine.see(changed(pod(problem="oom", restarts=1)))
    engine.later(60).see(changed(pod(restarts=1)))
    fx = engine.later(5 * 60).see(changed(pod(problem="oom", restarts=2)))
    assert posts(fx) == []
    [edit] = posts(fx, "chat.update")
    assert edit.key == KEY and "came back 1× within 10 min" in words(edit)


def test_after_the_quiet_period_it_comes_back_as_a_new_message(engine):
    engine.see(changed(pod(problem="oom", restarts=1)))
    engine.later(60).see(changed(pod(restarts=1)))
    [post] = posts(engine.later(11 * 60).see(changed(pod(problem="oom", restarts=2))))
    assert post.key == "kube:Deployment/rag-service:OOMKilled:2"


def test_a_relist_after_a_restart_keeps_what_is_still_there_and_resolves_what_is_gone(engine):
    engine.see(changed(pod("a", problem="oom", restarts=1)))
    engine.see(changed(pod("b", app="vllm-llama-3-70b", problem="imagepull")))
    fx = engine.later(120).see(
        relisted("Pod", pod("a", problem="oom", restarts=1), pod("b", app="vllm-llama-3-70b"))
    )
    assert posts(fx) == []
    [edit] = posts(fx, "chat.update")
    assert edit.key == "kube:Deployment/vllm-llama-3-70b:ImagePullBackOff:1" and "Resolved" in words(edit)


def test_a_warning_event_about_a_problem_pod_becomes_its_detail_and_others_are_ignored(engine):
    engine.see(changed(pod(problem="unschedulable")))
    said = "0/3 nodes are available: 3 node(s) didn't match Pod's node affinity/selector. <!channel>"
    fx = engine.see(changed(event("FailedScheduling", said, "rag-service-7b9d8c6f5d-x2x9q"), kind="Event"))
    [edit] = posts(fx, "chat.update")
    assert "> 0/3 nodes are available" in words(edit) and "&lt;!channel&gt;" in words(edit)
    assert engine.see(changed(event("FailedScheduling", "elsewhere", "other-pod"), kind="Event")).posts == ()


def test_each_step_keeps_the_resource_version_and_a_bookmark_only_that(engine):
    from integrations.kube_models import WatchEvent

    engine.see(changed(pod(problem="oom")))
    fx = engine.see(WatchEvent(kind="Pod", type="BOOKMARK", resource_version="987654"))
    assert fx.posts == () and len(fx.writes) == 1
    assert engine.store.watch_value("resource_version:Pod") == "987654"
