"""Slack's side of Socket Mode in the stand-in, seen by a plain `websockets` client playing the app:
tokens, single-use URLs, hello, envelopes and acks, disconnect notices and drops."""

import json
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from websockets.exceptions import ConnectionClosedError, ConnectionClosedOK, InvalidStatus
from websockets.sync.client import connect

from sandbox.slack_socket import NotAcked, NotConnected

APP_TOKEN = "xapp-1-A0LLMBOT-1-sandbox"


@pytest.fixture
def web(slack_web, slack_stub):
    """A client without a bot token on the freshly reset stand-in: each call names its token."""
    return WebClient(base_url=slack_stub.api_url)


@pytest.fixture
def app(slack_stub, web):
    """A connected app that has read its hello."""
    with connect(web.apps_connections_open(app_token=APP_TOKEN)["url"], open_timeout=2) as ws:
        ws.recv(timeout=2)
        yield ws


def open_error(web, token):
    with pytest.raises(SlackApiError) as caught:
        web.apps_connections_open(app_token=token)
    return caught.value.response["error"]


def test_apps_connections_open_gives_an_app_token_a_loopback_websocket_url(web, slack_stub):
    url = web.apps_connections_open(app_token=APP_TOKEN)["url"]
    assert (
        url.startswith(f"ws://127.0.0.1:{slack_stub.socket.port}/link/?ticket="),
        slack_stub.calls()[-1]["method"],
    ) == (
        True,
        "apps.connections.open",
    )


def test_apps_connections_open_refuses_a_bot_token(web):
    assert open_error(web, "xoxb-test") == "not_allowed_token_type"


def test_apps_connections_open_refuses_an_unknown_token(web):
    assert (open_error(web, "xoxp-user"), open_error(web, "")) == ("invalid_auth", "not_authed")


def test_an_app_token_cannot_post_messages(slack_stub):
    with pytest.raises(SlackApiError) as caught:
        WebClient(token=APP_TOKEN, base_url=slack_stub.api_url).chat_postMessage(
            channel="C0PLATFORM", text="x"
        )
    assert caught.value.response["error"] == "not_allowed_token_type"


def test_the_server_says_hello_with_the_app_id(web):
    with connect(web.apps_connections_open(app_token=APP_TOKEN)["url"], open_timeout=2) as ws:
        hello = json.loads(ws.recv(timeout=2))
    assert (hello["type"], hello["num_connections"], hello["connection_info"]) == (
        "hello",
        1,
        {"app_id": "A0LLMBOT"},
    )


def test_a_socket_url_works_only_once(web, slack_stub):
    url = web.apps_connections_open(app_token=APP_TOKEN)["url"]
    with connect(url, open_timeout=2):
        pass
    with pytest.raises(InvalidStatus) as caught:
        connect(url, open_timeout=2)
    ticket = parse_qs(urlsplit(url).query)["ticket"]
    assert (caught.value.response.status_code, slack_stub.socket.refused()) == (401, ticket)


def test_a_slash_command_envelope_carries_the_command_and_returns_the_ack_payload(app, slack_stub):
    with ThreadPoolExecutor(1) as pool:
        sent = pool.submit(slack_stub.send_slash, "status rag", "U0OPS1")
        envelope = json.loads(app.recv(timeout=2))
        app.send(json.dumps({"envelope_id": envelope["envelope_id"], "payload": {"text": "checking"}}))
        answer = sent.result(timeout=2)
    payload = envelope["payload"]
    assert (
        sorted(envelope),
        envelope["type"],
        envelope["accepts_response_payload"],
        (payload["command"], payload["text"], payload["user_id"], payload["channel_id"]),
        payload["response_url"].startswith(f"{slack_stub.url}/response/"),
        answer,
        slack_stub.socket.envelopes()[-1]["acked"],
    ) == (
        ["accepts_response_payload", "envelope_id", "payload", "type"],
        "slash_commands",
        True,
        ("/llm", "status rag", "U0OPS1", "C0PLATFORM"),
        True,
        {"text": "checking"},
        True,
    )


def test_an_envelope_nobody_acks_raises_not_acked_and_is_recorded_unacked(app, slack_stub):
    with pytest.raises(NotAcked) as caught:
        slack_stub.send_slash("status", "U0OPS1", timeout=0.2)
    [record] = slack_stub.socket.envelopes()
    assert (record["envelope_id"], record["acked"], record["ack"]) == (caught.value.envelope_id, False, None)


def test_a_block_actions_envelope_does_not_accept_a_response_payload(app, slack_stub):
    with ThreadPoolExecutor(1) as pool:
        sent = pool.submit(slack_stub.send_click, {"type": "block_actions", "actions": []})
        envelope = json.loads(app.recv(timeout=2))
        app.send(json.dumps({"envelope_id": envelope["envelope_id"]}))
        answer = sent.result(timeout=2)
    assert (envelope["type"], envelope["accepts_response_payload"], answer) == ("interactive", False, {})


def test_delivering_with_no_app_connected_raises_not_connected(web, slack_stub):
    with pytest.raises(NotConnected):
        slack_stub.send_slash("status", "U0OPS1")


@pytest.mark.parametrize("reason", ["refresh_requested", "warning", "link_disabled"])
def test_disconnect_announces_its_reason_then_closes(app, slack_stub, reason):
    slack_stub.socket_disconnect(reason)
    notice = json.loads(app.recv(timeout=2))
    with pytest.raises(ConnectionClosedOK):
        app.recv(timeout=2)
    assert ((notice["type"], notice["reason"]), slack_stub.socket_clients()) == (("disconnect", reason), 0)


def test_a_drop_resets_the_socket_without_a_close_frame(app, slack_stub):
    slack_stub.socket_drop()
    with pytest.raises(ConnectionClosedError) as caught:
        app.recv(timeout=2)
    assert (
        caught.value.rcvd,
        slack_stub.socket_clients(),
        slack_stub.socket.links()[-1]["closed"] is not None,
    ) == (
        None,
        0,
        True,
    )


def test_http_routes_mirror_the_socket_api(app, slack_stub):
    base = f"{slack_stub.url}/_sandbox/socket"
    state = requests.get(base, timeout=5).json()
    unacked = requests.post(f"{base}/slash", json={"user": "U0OPS1", "text": "x", "timeout": 0.2}, timeout=5)
    requests.post(f"{base}/drop", timeout=5)
    alone = requests.post(f"{base}/slash", json={"user": "U0OPS1", "text": "x"}, timeout=5)
    waited = requests.post(f"{base}/wait", json={"count": 1, "timeout": 0.1}, timeout=5)
    assert (
        state["clients"],
        (unacked.status_code, unacked.json()["error"]),
        (alone.status_code, alone.json()["error"]),
        waited.status_code,
    ) == (1, (504, "not_acked"), (409, "not_connected"), 504)
