"""The outbox against the Slack stand-in, with time moved by hand: Retry-After, per-channel pace,
permanent refusals, network failures, and posts that outlive the process that queued them."""

from datetime import datetime, timezone

import pytest
from slack_sdk import WebClient

from bot.clock import ManualClock
from bot.metrics import Metrics
from bot.outbox import Outbox
from bot.state import Post, Store
from sandbox.platform import BOT_TOKEN, free_port
from sandbox.slack_api import SlackApiStub


@pytest.fixture
def slack():
    stub = SlackApiStub()
    stub.start()
    yield stub
    stub.stop()


@pytest.fixture
def clock():
    return ManualClock(datetime(2026, 11, 27, 9, 0, tzinfo=timezone.utc))


def outbox_for(store, url, clock, timeout=None):
    """An outbox on a client made as the bot makes it: no retries of its own (the outbox owns resends)."""
    client = WebClient(token=BOT_TOKEN, base_url=url, timeout=int(timeout or 30), retry_handlers=[])
    return Outbox(store, client, Metrics(), clock, timeout=timeout or 5.0)


def post(store, clock, channel="C0PLATFORM", text="hello", blocks=None):
    body = {"channel": channel, "text": text, "blocks": blocks or []}
    return store.enqueue(Post("chat.postMessage", channel, body), clock.time())


def test_a_429_waits_for_retry_after_then_delivers(tmp_path, slack, clock):
    store = Store(tmp_path / "s.db")
    outbox = outbox_for(store, slack.api_url, clock)
    slack.ratelimit("chat.postMessage", count=1, retry_after=30)
    post(store, clock)
    assert outbox.deliver_due() == 0
    clock.advance(29)
    assert outbox.deliver_due() == 0
    clock.advance(2)
    assert outbox.deliver_due() == 1
    assert [m["text"] for m in slack.messages(channel="C0PLATFORM") if m["ok"]] == ["hello"]


def test_posts_to_one_channel_go_at_most_one_per_second(tmp_path, slack, clock):
    store = Store(tmp_path / "s.db")
    outbox = outbox_for(store, slack.api_url, clock)
    for text in ("one", "two", "three"):
        post(store, clock, text=text)
    post(store, clock, channel="C0INCIDENT", text="elsewhere")
    assert outbox.deliver_due() == 2  # "one" and "elsewhere"
    clock.advance(1)
    assert outbox.deliver_due() == 1
    clock.advance(1)
    assert outbox.deliver_due() == 1
    assert [m["text"] for m in slack.messages(channel="C0PLATFORM")] == ["one", "two", "three"]


def test_a_post_slack_refuses_for_good_is_marked_failed_not_retried(tmp_path, slack, clock):
    store = Store(tmp_path / "s.db")
    outbox = outbox_for(store, slack.api_url, clock)
    post(store, clock, blocks=[{"type": "section", "text": {"type": "mrkdwn", "text": "x" * 3001}}])
    assert outbox.deliver_due() == 0
    [item] = store.posts()
    assert item.state == "failed"
    clock.advance(3600)
    assert outbox.deliver_due() == 0


def test_slack_unreachable_keeps_the_post_and_backs_off(tmp_path, clock):
    store = Store(tmp_path / "s.db")
    outbox = outbox_for(store, f"http://127.0.0.1:{free_port()}/api/", clock)
    post(store, clock)
    assert outbox.deliver_due() == 0
    [item] = store.posts()
    assert (item.state, item.attempts) == ("pending", 1)
    assert item.not_before == clock.time() + 1


def test_a_queued_post_survives_a_restart(tmp_path, slack, clock):
    first = Store(tmp_path / "s.db")
    post(first, clock, text="queued before the crash")
    first.close()
    second = Store(tmp_path / "s.db")
    assert outbox_for(second, slack.api_url, clock).deliver_due() == 1
    assert [m["text"] for m in slack.messages()] == ["queued before the crash"]


def test_an_ephemeral_answer_goes_through_the_response_url(tmp_path, slack, clock):
    store = Store(tmp_path / "s.db")
    url = slack.new_response_url("C0PLATFORM", "U0OPS1")
    body = {"response_type": "ephemeral", "replace_original": False, "text": "only for you"}
    store.enqueue(Post("response_url", "C0PLATFORM", body, url), clock.time())
    assert outbox_for(store, slack.api_url, clock).deliver_due() == 1
    [message] = slack.messages()
    assert (message["kind"], message["user"], message["text"]) == ("response_url", "U0OPS1", "only for you")


def test_a_thread_reply_waits_for_its_queued_parent_then_lands_in_its_thread(tmp_path, slack, clock):
    store = Store(tmp_path / "s.db")
    outbox = outbox_for(store, slack.api_url, clock)
    reply = {"channel": "C0INCIDENT", "text": "reply"}
    store.enqueue(
        Post("chat.postMessage", "C0INCIDENT", reply, thread_key="incident:1:root", priority=0), clock.time()
    )
    root = {"channel": "C0INCIDENT", "text": "root"}
    store.enqueue(
        Post("chat.postMessage", "C0INCIDENT", root, key="incident:1:root", priority=2), clock.time()
    )
    assert outbox.deliver_due() == 1  # the root, although the reply was queued first and ranks higher
    clock.advance(1)
    assert outbox.deliver_due() == 1  # reply
    root, reply = slack.messages(channel="C0INCIDENT")
    assert (root["text"], reply["text"], reply["thread_ts"]) == ("root", "reply", root["ts"])


def test_a_reply_to_a_message_never_queued_is_given_up_not_kept_forever(tmp_path, slack, clock):
    store = Store(tmp_path / "s.db")
    body = {"channel": "C0INCIDENT", "text": "orphan"}
    store.enqueue(Post("chat.postMessage", "C0INCIDENT", body, thread_key="incident:9:root"), clock.time())
    assert outbox_for(store, slack.api_url, clock).deliver_due() == 0
    assert [(p.state, p.payload["body"]["text"]) for p in store.posts()] == [("failed", "orphan")]
    assert slack.messages() == []


def test_only_the_latest_of_several_queued_edits_is_sent(tmp_path, slack, clock):
    store = Store(tmp_path / "s.db")
    outbox = outbox_for(store, slack.api_url, clock)
    store.enqueue(
        Post("chat.postMessage", "C0PLATFORM", {"channel": "C0PLATFORM", "text": "v1"}, key="card"),
        clock.time(),
    )
    assert outbox.deliver_due() == 1
    for text in ("v2", "v3", "v4"):
        store.enqueue(
            Post("chat.update", "C0PLATFORM", {"channel": "C0PLATFORM", "text": text}, key="card"),
            clock.time(),
        )
    clock.advance(1)
    outbox.deliver_due()
    kinds = [(m["kind"], m["text"]) for m in slack.messages(channel="C0PLATFORM")]
    assert kinds == [("post", "v1"), ("update", "v4")]
    assert [p.state for p in store.posts()] == ["sent", "superseded", "superseded", "sent"]


def test_a_file_is_uploaded_into_the_thread_of_its_answer(tmp_path, slack, clock):
    store = Store(tmp_path / "s.db")
    outbox = outbox_for(store, slack.api_url, clock)
    store.enqueue(
        Post("chat.postMessage", "C0PLATFORM", {"channel": "C0PLATFORM", "text": "answer"}, key="a"),
        clock.time(),
    )
    store.enqueue(
        Post(
            "files.upload",
            "C0PLATFORM",
            {"filename": "gpus.csv", "title": "GPUs", "content": "gpu,util\n0,55\n"},
            thread_key="a",
        ),
        clock.time(),
    )
    outbox.deliver_due()
    clock.advance(1)
    outbox.deliver_due()
    answer, upload = slack.messages(channel="C0PLATFORM")
    assert upload["kind"] == "file" and upload["thread_ts"] == answer["ts"]
    assert upload["file"]["content"] == "gpu,util\n0,55\n"


def test_a_binary_file_survives_the_queue_byte_for_byte(tmp_path, slack, clock):
    from bot import messages
    from commands.spec import FileOut

    store = Store(tmp_path / "s.db")
    png = b"\x89PNG\r\n\x1a\n\x00\x01binary"
    store.enqueue(messages.file_post("C0PLATFORM", FileOut("chart.png", "Chart", png), None), clock.time())
    assert outbox_for(store, slack.api_url, clock).deliver_due() == 1
    [upload] = slack.messages(channel="C0PLATFORM")
    assert upload["file"]["name"] == "chart.png"


def test_an_edit_left_sending_by_a_crash_is_never_sent_after_a_newer_one(tmp_path, slack, clock):
    store = Store(tmp_path / "s.db")
    outbox = outbox_for(store, slack.api_url, clock)
    store.enqueue(
        Post("chat.postMessage", "C0PLATFORM", {"channel": "C0PLATFORM", "text": "v1"}, key="card"),
        clock.time(),
    )
    outbox.deliver_due()
    store.enqueue(
        Post("chat.update", "C0PLATFORM", {"channel": "C0PLATFORM", "text": "v2"}, key="card"), clock.time()
    )
    [v2] = store.posts("pending")
    store.mark_sending(v2.id)  # the process died while this edit was on the wire
    store.enqueue(
        Post("chat.update", "C0PLATFORM", {"channel": "C0PLATFORM", "text": "v3"}, key="card"), clock.time()
    )
    clock.advance(1)
    outbox.deliver_due()
    restarted = outbox_for(store, slack.api_url, clock)
    restarted.recover()
    clock.advance(60)
    restarted.deliver_due()
    texts = [m["text"] for m in slack.messages(channel="C0PLATFORM") if m["kind"] == "update"]
    assert texts == ["v3"]
    assert store.posts()[1].state == "superseded"


def test_channels_take_turns_so_a_backlog_in_one_does_not_delay_another(tmp_path, slack, clock):
    store = Store(tmp_path / "s.db")
    outbox = Outbox(
        store, WebClient(token=BOT_TOKEN, base_url=slack.api_url), Metrics(), clock, pace_seconds=1.0
    )
    for n in range(50):
        post(store, clock, channel="C0INCIDENT", text=f"page {n}")
    post(store, clock, channel="C0PLATFORM", text="the answer")
    assert outbox.deliver_due() == 2
    assert [m["text"] for m in slack.messages()] in (["page 0", "the answer"], ["the answer", "page 0"])


def test_inside_a_channel_pages_go_before_thread_details(tmp_path, slack, clock):
    store = Store(tmp_path / "s.db")
    outbox = outbox_for(store, slack.api_url, clock)
    for n in range(3):
        store.enqueue(
            Post(
                "chat.postMessage", "C0INCIDENT", {"channel": "C0INCIDENT", "text": f"detail {n}"}, priority=2
            ),
            clock.time(),
        )
    store.enqueue(
        Post("chat.postMessage", "C0INCIDENT", {"channel": "C0INCIDENT", "text": "page"}, priority=0),
        clock.time(),
    )
    for _ in range(4):
        outbox.deliver_due()
        clock.advance(1)
    assert [m["text"] for m in slack.messages()] == ["page", "detail 0", "detail 1", "detail 2"]


def test_every_post_names_its_outbox_row_in_message_metadata(tmp_path, slack, clock):
    store = Store(tmp_path / "s.db")
    post(store, clock, text="with metadata")
    outbox_for(store, slack.api_url, clock).deliver_due()
    [message] = slack.messages()
    assert message["metadata"] == {"event_type": "llmbot_post", "event_payload": {"outbox_id": 1}}


def test_a_post_whose_answer_timed_out_is_found_in_slack_and_not_sent_twice(tmp_path, slack, clock):
    store = Store(tmp_path / "s.db")
    outbox = outbox_for(store, slack.api_url, clock, timeout=1)
    slack.slow(1.5, calls=1)  # Slack takes the post but answers after the client gave up
    post(store, clock, text="slow but landed")
    assert outbox.deliver_due() == 0
    [item] = store.posts()
    assert item.state == "sent"
    assert [m["text"] for m in slack.messages() if m["kind"] == "post"] == ["slow but landed"]


def test_a_timed_out_post_is_never_resent_while_slack_cannot_say_whether_it_has_it(tmp_path, slack, clock):
    store = Store(tmp_path / "s.db")
    outbox = outbox_for(store, slack.api_url, clock, timeout=1)
    slack.slow(1.5, calls=2)  # the post lands late, and the lookup for it answers too late as well
    post(store, clock, text="slow twice")
    assert outbox.deliver_due() == 0
    [item] = store.posts()
    assert item.state == "unsure"
    clock.advance(60)  # past the back-off: Slack answers again, so the next attempt looks it up first
    outbox.deliver_due()
    assert [p.state for p in store.posts()] == ["sent"]
    assert [m["text"] for m in slack.messages() if m["kind"] == "post"] == ["slow twice"]
    assert store.pending_count() == 0


def test_an_unsure_post_that_slack_never_took_is_sent_once_slack_says_so(tmp_path, slack, clock):
    store = Store(tmp_path / "s.db")
    outbox = outbox_for(store, slack.api_url, clock, timeout=1)
    slack.down(failure="reset", for_calls=2)  # the post and the lookup both die on the wire
    post(store, clock, text="lost on the wire")
    assert outbox.deliver_due() == 0
    assert [p.state for p in store.posts()] == ["unsure"]
    assert [m for m in slack.messages() if m["kind"] == "post"] == []
    clock.advance(60)
    outbox.deliver_due()
    assert [p.state for p in store.posts()] == ["sent"]
    assert [m["text"] for m in slack.messages() if m["kind"] == "post"] == ["lost on the wire"]


def test_a_rate_limited_lookup_leaves_the_post_unsure_rather_than_sending_it_again(tmp_path, slack, clock):
    store = Store(tmp_path / "s.db")
    outbox = outbox_for(store, slack.api_url, clock, timeout=1)
    slack.slow(1.5, calls=1)  # the post lands, its answer comes too late
    slack.ratelimit("conversations.history", 1, retry_after=1)  # and reading the channel back is refused
    post(store, clock, text="rate limited lookup")
    outbox.deliver_due()
    assert [p.state for p in store.posts()] == ["unsure"]
    clock.advance(60)
    outbox.deliver_due()
    assert [p.state for p in store.posts()] == ["sent"]
    assert [m["text"] for m in slack.messages() if m["kind"] == "post"] == ["rate limited lookup"]
