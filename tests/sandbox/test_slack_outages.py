"""The Slack stand-in slow and down, as the real slack_sdk WebClient sees it: late answers to posts that
did land, 503s, and connections reset before Slack read anything."""

import time

import pytest
import requests
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry import ConnectionErrorRetryHandler, FixedValueRetryIntervalCalculator

ROW = {"event_type": "llmbot_outbox", "event_payload": {"row": 7}}


def outcomes(slack_stub, method=None):
    return [(c["method"], c["error"]) for c in slack_stub.calls(method)]


def test_auth_test_answers_the_bot_identity_and_is_counted(slack_web, slack_stub):
    answer = slack_web.auth_test()
    assert ((answer["user_id"], answer["bot_id"], answer["team_id"]), outcomes(slack_stub)) == (
        ("U0BOT", "B0BOT", "T0LLM"),
        [("auth.test", None)],
    )


def test_a_slow_answer_times_the_client_out_but_the_post_landed(slack_web, slack_stub):
    slack_stub.slow(0.3, calls=1)
    impatient = WebClient(token="xoxb-test", base_url=slack_stub.api_url, timeout=0.1)
    with pytest.raises(TimeoutError):
        impatient.chat_postMessage(channel="C0PLATFORM", text="queued", metadata=ROW)
    [landed] = slack_web.conversations_history(channel="C0PLATFORM", include_all_metadata=True)["messages"]
    assert (landed["text"], landed["metadata"]) == ("queued", ROW)


def test_slow_mode_delays_answers_for_its_number_of_calls(slack_web, slack_stub):
    slack_stub.slow(0.2, calls=2)
    started = time.monotonic()
    slack_web.auth_test()
    first_took = time.monotonic() - started
    slack_web.auth_test()
    slack_web.auth_test()
    assert (first_took >= 0.2, [c["delayed"] for c in slack_stub.calls()]) == (True, [0.2, 0.2, 0.0])


def test_slow_mode_for_a_while_ends_when_the_while_is_over(slack_web, slack_stub):
    slack_stub.slow(5, for_seconds=0)
    slack_web.auth_test()
    assert slack_stub.calls()[-1]["delayed"] == 0.0


def test_down_auth_test_answers_503_while_posts_still_work(slack_web, slack_stub):
    slack_stub.down(methods=["auth.test"])
    with pytest.raises(SlackApiError) as caught:
        slack_web.auth_test()
    posted = slack_web.chat_postMessage(channel="C0PLATFORM", text="still up")["ok"]
    failed = caught.value.response
    assert ((failed.status_code, failed["error"]), posted, outcomes(slack_stub)) == (
        (503, "service_unavailable"),
        True,
        [("auth.test", "service_unavailable"), ("chat.postMessage", None)],
    )


def test_down_for_some_calls_recovers_by_itself(slack_web, slack_stub):
    slack_stub.down(methods=["auth.test"], for_calls=1)
    with pytest.raises(SlackApiError):
        slack_web.auth_test()
    assert slack_web.auth_test()["ok"]


def test_down_until_up(slack_web, slack_stub):
    slack_stub.down()
    for _ in range(2):
        with pytest.raises(SlackApiError):
            slack_web.auth_test()
    slack_stub.up()
    assert slack_web.auth_test()["ok"]


def test_a_down_post_is_not_recorded_as_a_message(slack_web, slack_stub):
    slack_stub.down(methods=["chat.postMessage"])
    with pytest.raises(SlackApiError):
        slack_web.chat_postMessage(channel="C0PLATFORM", text="lost")
    assert slack_stub.messages() == []


def test_a_single_reset_is_hidden_by_slack_sdks_one_connection_retry(slack_web, slack_stub):
    slack_stub.down(methods=["auth.test"], for_calls=1, failure="reset")
    assert (slack_web.auth_test()["ok"], outcomes(slack_stub)) == (
        True,
        [("auth.test", "connection_reset"), ("auth.test", None)],
    )


def test_a_lasting_reset_reaches_the_caller_as_a_connection_error(slack_web, slack_stub):
    slack_stub.down(methods=["auth.test"], failure="reset")
    quick_retry = ConnectionErrorRetryHandler(interval_calculator=FixedValueRetryIntervalCalculator(0.01))
    with pytest.raises(ConnectionError):
        WebClient(token="xoxb-test", base_url=slack_stub.api_url, retry_handlers=[quick_retry]).auth_test()
    assert outcomes(slack_stub) == [("auth.test", "connection_reset")] * 2


def test_outage_modes_are_set_and_cleared_over_http(slack_web, slack_stub):
    requests.post(f"{slack_stub.url}/_sandbox/down", json={"methods": ["auth.test"]}, timeout=5)
    with pytest.raises(SlackApiError):
        slack_web.auth_test()
    requests.post(f"{slack_stub.url}/_sandbox/slow", json={"seconds": 0.2, "calls": 1}, timeout=5)
    requests.post(f"{slack_stub.url}/_sandbox/up", timeout=5)
    slack_web.auth_test()
    listed = requests.get(
        f"{slack_stub.url}/_sandbox/calls", params={"method": "auth.test"}, timeout=5
    ).json()
    assert [(c["error"], c["delayed"]) for c in listed["calls"]] == [
        ("service_unavailable", 0.0),
        (None, 0.0),
    ]


def test_an_unknown_failure_kind_is_refused(slack_stub):
    with pytest.raises(ValueError):
        slack_stub.down(failure="smoke")
