"""The Slack stand-in, driven by the real slack_sdk WebClient and by plain requests for response_urls."""

import pytest
import requests
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError


def section(text):
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def refusal(client, **kwargs):
    with pytest.raises(SlackApiError) as caught:
        client.chat_postMessage(channel="C0PLATFORM", text="fallback", **kwargs)
    return caught.value.response


def test_post_then_update_round_trips_through_the_returned_ts(slack_web, slack_stub):
    posted = slack_web.chat_postMessage(
        channel="C0PLATFORM", text="deploying", blocks=[section("*deploying*")]
    )
    slack_web.chat_update(
        channel=posted["channel"], ts=posted["ts"], text="deployed", blocks=[section("done")]
    )
    kinds = [(m["kind"], m["ts"], m["text"], m["ok"]) for m in slack_stub.messages("C0PLATFORM")]
    assert kinds == [("post", posted["ts"], "deploying", True), ("update", posted["ts"], "deployed", True)]


def test_each_post_gets_a_larger_ts(slack_web):
    first = slack_web.chat_postMessage(channel="C0PLATFORM", text="one")["ts"]
    second = slack_web.chat_postMessage(channel="C0PLATFORM", text="two", thread_ts=first)["ts"]
    assert float(second) > float(first)


def test_post_answers_with_the_slack_message_shape(slack_web):
    posted = slack_web.chat_postMessage(channel="C0INCIDENT", text="hello")
    assert posted.data == {
        "ok": True,
        "channel": "C0INCIDENT",
        "ts": posted["ts"],
        "message": {
            "type": "message",
            "subtype": "bot_message",
            "user": "U0BOT",
            "bot_id": "B0BOT",
            "text": "hello",
            "ts": posted["ts"],
        },
    }


def test_update_of_an_unknown_ts_is_message_not_found(slack_web):
    with pytest.raises(SlackApiError) as caught:
        slack_web.chat_update(channel="C0PLATFORM", ts="1.000001", text="x")
    assert caught.value.response["error"] == "message_not_found"


def test_unknown_channel_is_channel_not_found(slack_web):
    with pytest.raises(SlackApiError) as caught:
        slack_web.chat_postMessage(channel="nowhere", text="x")
    assert caught.value.response["error"] == "channel_not_found"


@pytest.mark.filterwarnings("ignore:The top-level `text` argument is missing")
def test_a_message_without_text_or_blocks_is_no_text(slack_web):
    with pytest.raises(SlackApiError) as caught:
        slack_web.chat_postMessage(channel="C0PLATFORM")
    assert caught.value.response["error"] == "no_text"


def test_text_over_forty_thousand_chars_is_msg_too_long(slack_web):
    with pytest.raises(SlackApiError) as caught:
        slack_web.chat_postMessage(channel="C0PLATFORM", text="x" * 40_001)
    assert caught.value.response["error"] == "msg_too_long"


def test_section_text_over_3000_chars_is_invalid_blocks_with_a_pointer(slack_web):
    response = refusal(slack_web, blocks=[section("ok"), section("x" * 3001)])
    assert (response["error"], response["response_metadata"]["messages"]) == (
        "invalid_blocks",
        ["[ERROR] text attribute cannot exceed 3000 characters [json-pointer:/blocks/1]"],
    )


def test_a_button_without_text_is_invalid_blocks(slack_web):
    button = {"type": "button", "action_id": "approval:approve", "value": "1"}
    assert refusal(slack_web, blocks=[{"type": "actions", "elements": [button]}])["error"] == "invalid_blocks"


def test_fifty_one_blocks_are_invalid_blocks(slack_web):
    assert refusal(slack_web, blocks=[section(str(i)) for i in range(51)])["error"] == "invalid_blocks"


def test_an_unknown_block_type_is_invalid_blocks(slack_web):
    assert refusal(slack_web, blocks=[{"type": "hologram"}])["error"] == "invalid_blocks"


def test_refused_posts_are_recorded_as_rejected(slack_web, slack_stub):
    refusal(slack_web, blocks=[section("x" * 3001)])
    assert [(m["kind"], m["error"]) for m in slack_stub.rejected()] == [("post", "invalid_blocks")]


def test_ratelimit_surfaces_as_429_with_retry_after(slack_web, slack_stub):
    requests.post(
        f"{slack_stub.url}/_sandbox/ratelimit",
        json={"method": "chat.postMessage", "count": 1, "retry_after": 7},
        timeout=5,
    )
    with pytest.raises(SlackApiError) as caught:
        slack_web.chat_postMessage(channel="C0PLATFORM", text="x")
    response = caught.value.response
    assert (response.status_code, response.headers["Retry-After"], response["error"]) == (
        429,
        "7",
        "ratelimited",
    )


def test_ratelimit_ends_after_the_given_count(slack_web, slack_stub):
    slack_stub.ratelimit("chat.postMessage", count=1, retry_after=1)
    with pytest.raises(SlackApiError):
        slack_web.chat_postMessage(channel="C0PLATFORM", text="x")
    assert slack_web.chat_postMessage(channel="C0PLATFORM", text="x")["ok"]


def test_files_upload_v2_records_the_file(slack_web, slack_stub):
    parent = slack_web.chat_postMessage(channel="C0INCIDENT", text="report follows")["ts"]
    slack_web.files_upload_v2(
        channel="C0INCIDENT",
        thread_ts=parent,
        filename="cost.csv",
        title="Cost report",
        content="team,usd\nrag,12\n",
    )
    file_record = slack_stub.messages("C0INCIDENT")[-1]
    assert (
        file_record["kind"],
        file_record["thread_ts"],
        file_record["file"]["name"],
        file_record["file"]["title"],
        file_record["file"]["content"],
    ) == ("file", parent, "cost.csv", "Cost report", "team,usd\nrag,12\n")


def test_a_bad_token_is_invalid_auth(slack_stub):
    with pytest.raises(SlackApiError) as caught:
        WebClient(token="xoxp-user", base_url=slack_stub.api_url).auth_test()
    assert caught.value.response["error"] == "invalid_auth"


def test_a_missing_token_is_not_authed(slack_stub):
    with pytest.raises(SlackApiError) as caught:
        WebClient(base_url=slack_stub.api_url).auth_test()
    assert caught.value.response["error"] == "not_authed"


def test_users_info_returns_the_seeded_email(slack_web):
    assert slack_web.users_info(user="U0OPS2")["user"]["profile"]["email"] == "ops2@example.com"


def test_usergroup_members_are_seeded(slack_web):
    assert slack_web.usergroups_users_list(usergroup="S0ONCALL")["users"] == ["U0OPS1", "U0OPS2"]


def test_response_url_post_is_recorded_with_its_channel_and_user(slack_stub):
    url = slack_stub.new_response_url("C0PLATFORM", "U0OPS1")
    answer = requests.post(url, json={"text": "queued", "blocks": [section("queued")]}, timeout=5)
    record = slack_stub.messages("C0PLATFORM")[-1]
    assert (answer.status_code, answer.text, record["kind"], record["user"], record["response_type"]) == (
        200,
        "ok",
        "response_url",
        "U0OPS1",
        "ephemeral",
    )


def test_response_url_refuses_invalid_blocks(slack_stub):
    url = slack_stub.new_response_url("C0PLATFORM", "U0OPS1")
    answer = requests.post(url, json={"text": "x", "blocks": [section("x" * 3001)]}, timeout=5)
    assert (answer.status_code, answer.json()["error"], slack_stub.rejected()[-1]["kind"]) == (
        400,
        "invalid_blocks",
        "response_url",
    )


def test_response_url_expires_after_five_uses(slack_stub):
    url = slack_stub.new_response_url("C0PLATFORM", "U0OPS1")
    statuses = [requests.post(url, json={"text": "hi"}, timeout=5).status_code for _ in range(6)]
    assert statuses == [200] * 5 + [404]


def test_recording_endpoint_lists_messages_after_a_seq(slack_web, slack_stub):
    slack_web.chat_postMessage(channel="C0PLATFORM", text="one")
    first_seq = slack_stub.messages()[-1]["seq"]
    slack_web.chat_postMessage(channel="C0PLATFORM", text="two")
    listed = requests.get(
        f"{slack_stub.url}/_sandbox/messages", params={"after": first_seq, "channel": "C0PLATFORM"}, timeout=5
    ).json()["messages"]
    assert [m["text"] for m in listed] == ["two"]
