"""The outbox against the Slack stand-in, with time moved by hand: Retry-After, per-channel pace,
permanent refusals, network failures, and posts that outlive the process that queued them."""

from datetime import datetime, timezone

import pytest
from slack_sdk import WebClient

from bot.clock import ManualClock
from bot.metrics import Metrics
from bot.outbox import Outbox
from bot.state import Store
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


def outbox_for(store, url, clock):
    return Outbox(store, WebClient(token=BOT_TOKEN, base_url=url), Metrics(), clock)


def post(store, clock, channel="C0PLATFORM", text="hello", blocks=None):
    body = {"channel": channel, "text": text, "blocks": blocks or []}
    return store.enqueue_post("chat.postMessage", channel, {"body": body, "response_url": None}, clock.time())


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
    store.enqueue_post("response_url", "C0PLATFORM", {"body": body, "response_url": url}, clock.time())
    assert outbox_for(store, slack.api_url, clock).deliver_due() == 1
    [message] = slack.messages()
    assert (message["kind"], message["user"], message["text"]) == ("response_url", "U0OPS1", "only for you")


def test_a_thread_reply_waits_for_its_parent_then_lands_in_its_thread(tmp_path, slack, clock):
    from bot.state import Post

    store = Store(tmp_path / "s.db")
    outbox = outbox_for(store, slack.api_url, clock)
    store.enqueue(
        Post(
            "chat.postMessage",
            "C0INCIDENT",
            {"channel": "C0INCIDENT", "text": "reply"},
            thread_key="incident:1:root",
        ),
        clock.time(),
    )
    assert outbox.deliver_due() == 0  # the parent is not posted yet
    store.enqueue(
        Post(
            "chat.postMessage", "C0INCIDENT", {"channel": "C0INCIDENT", "text": "root"}, key="incident:1:root"
        ),
        clock.time(),
    )
    clock.advance(1)
    assert outbox.deliver_due() == 1  # root
    clock.advance(1)
    assert outbox.deliver_due() == 1  # reply
    root, reply = slack.messages(channel="C0INCIDENT")
    assert (root["text"], reply["text"], reply["thread_ts"]) == ("root", "reply", root["ts"])


def test_only_the_latest_of_several_queued_edits_is_sent(tmp_path, slack, clock):
    from bot.state import Post

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
    outbox.deliver_due()
    kinds = [(m["kind"], m["text"]) for m in slack.messages(channel="C0PLATFORM")]
    assert kinds == [("post", "v1"), ("update", "v4")]
    assert [p.state for p in store.posts()] == ["sent", "superseded", "superseded", "sent"]


def test_a_file_is_uploaded_into_the_thread_of_its_answer(tmp_path, slack, clock):
    from bot.state import Post

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
