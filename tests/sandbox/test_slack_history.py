"""Message metadata, conversations.history and conversations.replies on the Slack stand-in, through
the real slack_sdk WebClient."""

import json

import pytest
from slack_sdk.errors import SlackApiError

ROW = {"event_type": "llmbot_outbox", "event_payload": {"row": 7}}


def post(slack_web, text, **kwargs):
    return slack_web.chat_postMessage(channel="C0PLATFORM", text=text, **kwargs)["ts"]


def history(slack_web, **kwargs):
    return slack_web.conversations_history(channel="C0PLATFORM", **kwargs)


def texts(messages):
    return [m["text"] for m in messages]


def test_history_lists_top_level_messages_newest_first_without_thread_replies(slack_web):
    first = post(slack_web, "one")
    post(slack_web, "a reply", thread_ts=first)
    post(slack_web, "two")
    assert texts(history(slack_web)["messages"]) == ["two", "one"]


def test_a_thread_parent_in_history_names_its_thread_and_counts_replies(slack_web):
    parent = post(slack_web, "incident")
    post(slack_web, "checklist", thread_ts=parent)
    last = post(slack_web, "ack", thread_ts=parent)
    [listed] = history(slack_web)["messages"]
    assert (listed["thread_ts"], listed["reply_count"], listed["latest_reply"]) == (parent, 2, last)


def test_history_returns_metadata_only_with_include_all_metadata(slack_web):
    ts = post(slack_web, "queued", metadata=ROW)
    [plain] = history(slack_web)["messages"]
    [full] = history(slack_web, include_all_metadata=True)["messages"]
    assert (plain["ts"], "metadata" in plain, full["metadata"]) == (ts, False, ROW)


def test_replies_return_metadata_only_with_include_all_metadata(slack_web):
    parent = post(slack_web, "incident")
    post(slack_web, "checklist", thread_ts=parent, metadata=ROW)
    plain = slack_web.conversations_replies(channel="C0PLATFORM", ts=parent)["messages"]
    full = slack_web.conversations_replies(channel="C0PLATFORM", ts=parent, include_all_metadata=True)[
        "messages"
    ]
    assert (["metadata" in m for m in plain], [m.get("metadata") for m in full]) == (
        [False, False],
        [None, ROW],
    )


def test_replies_list_the_thread_parent_first_when_asked_by_a_reply_ts(slack_web):
    parent = post(slack_web, "root")
    first = post(slack_web, "a", thread_ts=parent)
    post(slack_web, "b", thread_ts=parent)
    thread = slack_web.conversations_replies(channel="C0PLATFORM", ts=first)["messages"]
    assert [(m["text"], m["thread_ts"]) for m in thread] == [("root", parent), ("a", parent), ("b", parent)]


def test_replies_of_an_unknown_ts_is_thread_not_found(slack_web):
    with pytest.raises(SlackApiError) as caught:
        slack_web.conversations_replies(channel="C0PLATFORM", ts="1700000000.999900")
    assert caught.value.response["error"] == "thread_not_found"


def test_history_bounds_are_exclusive_unless_inclusive(slack_web):
    a, _, c = post(slack_web, "a"), post(slack_web, "b"), post(slack_web, "c")
    exclusive = history(slack_web, oldest=a, latest=c)["messages"]
    inclusive = history(slack_web, oldest=a, latest=c, inclusive=True)["messages"]
    assert (texts(exclusive), texts(inclusive)) == (["b"], ["c", "b", "a"])


def test_history_pages_with_limit_and_next_cursor(slack_web):
    for text in ("a", "b", "c"):
        post(slack_web, text)
    first = history(slack_web, limit=2)
    second = history(slack_web, limit=2, cursor=first["response_metadata"]["next_cursor"])
    assert (texts(first["messages"]), first["has_more"], texts(second["messages"]), second["has_more"]) == (
        ["c", "b"],
        True,
        ["a"],
        False,
    )


def test_history_of_an_unknown_channel_is_channel_not_found(slack_web):
    with pytest.raises(SlackApiError) as caught:
        slack_web.conversations_history(channel="nowhere")
    assert caught.value.response["error"] == "channel_not_found"


@pytest.mark.parametrize(
    "metadata",
    [
        {"event_payload": {"row": 7}},
        {"event_type": "", "event_payload": {"row": 7}},
        {"event_type": "llmbot_outbox", "event_payload": "row 7"},
        {"event_type": "llmbot_outbox"},
        "not json",
    ],
)
def test_malformed_metadata_is_invalid_metadata_format_and_nothing_is_posted(slack_web, slack_stub, metadata):
    with pytest.raises(SlackApiError) as caught:
        slack_web.chat_postMessage(channel="C0PLATFORM", text="x", metadata=metadata)
    assert (
        caught.value.response["error"],
        slack_stub.rejected()[-1]["error"],
        history(slack_web)["messages"],
    ) == (
        "invalid_metadata_format",
        "invalid_metadata_format",
        [],
    )


def test_metadata_sent_form_encoded_is_decoded(slack_web):
    slack_web.api_call(
        "chat.postMessage", data={"channel": "C0PLATFORM", "text": "x", "metadata": json.dumps(ROW)}
    )
    assert history(slack_web, include_all_metadata=True)["messages"][0]["metadata"] == ROW


def test_update_keeps_metadata_unless_it_replaces_or_removes_it(slack_web):
    ts = post(slack_web, "v1", metadata=ROW)
    newer = {"event_type": "llmbot_outbox", "event_payload": {"row": 8}}
    seen = []
    for change in ({}, {"metadata": newer}, {"metadata": {}}):
        slack_web.chat_update(channel="C0PLATFORM", ts=ts, text="edited", **change)
        seen.append(history(slack_web, include_all_metadata=True)["messages"][0].get("metadata"))
    assert seen == [ROW, newer, None]


def test_messages_record_the_metadata_a_post_carried(slack_web, slack_stub):
    post(slack_web, "queued", metadata=ROW)
    assert slack_stub.messages()[-1]["metadata"] == ROW
