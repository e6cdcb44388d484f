"""slack_bolt's own SocketModeHandler against the stand-in's Socket Mode: commands and clicks acked over
the socket, and reconnects after a refresh or a dropped connection."""

import pytest
from slack_bolt import App
from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_sdk import WebClient

from sandbox.slack_sender import action_payload

APP_TOKEN = "xapp-1-A0LLMBOT-1-sandbox"


@pytest.fixture(scope="module")
def handler(slack_stub):
    app = App(
        client=WebClient(token="xoxb-test", base_url=slack_stub.api_url), signing_secret="unused-over-sockets"
    )

    @app.command("/llm")
    def llm(ack, command):
        ack({"response_type": "ephemeral", "text": f"on it: {command['text']}"})

    @app.action("approval:approve")
    def approve(ack):
        ack()

    # a short ping interval so a dropped socket is noticed (and replaced) within a second
    socket_mode = SocketModeHandler(app, app_token=APP_TOKEN, ping_interval=0.5)
    socket_mode.connect()
    slack_stub.wait_for_socket()
    yield socket_mode
    slack_stub.socket_drop()  # first, so the client's reader is not left waiting out its receive timeout
    socket_mode.close()


def opened(slack_stub):
    return len(slack_stub.calls("apps.connections.open"))


def test_bolt_acks_a_slash_command_with_its_answer_over_the_socket(handler, slack_stub):
    answer = slack_stub.send_slash("status rag", "U0OPS1")
    envelope = slack_stub.socket.envelopes()[-1]
    assert (answer, envelope["type"], envelope["payload"]["command"], envelope["acked"]) == (
        {"response_type": "ephemeral", "text": "on it: status rag"},
        "slash_commands",
        "/llm",
        True,
    )


def test_bolt_acks_a_button_click_over_the_socket(handler, slack_stub):
    message = {"type": "message", "ts": "1700000000.000100", "text": "approve?"}
    click = action_payload("approval:approve", "42", "U0OPS2", "C0PLATFORM", message, slack_stub.url)
    assert (slack_stub.send_click(click), slack_stub.socket.envelopes()[-1]["acked"]) == ({}, True)


def test_bolt_reconnects_after_refresh_requested_and_acks_the_next_command(handler, slack_stub):
    opens, links = opened(slack_stub), slack_stub.socket.links()
    slack_stub.socket_disconnect("refresh_requested")
    slack_stub.wait_for_socket()
    answer = slack_stub.send_slash("scale rag 4", "U0OPS1")
    newest = slack_stub.socket.links()[-1]
    assert (
        opened(slack_stub) > opens,
        len(slack_stub.socket.links()) > len(links),
        newest["hello"]["type"],
        newest["ticket"] != links[-1]["ticket"],
        answer["text"],
    ) == (True, True, "hello", True, "on it: scale rag 4")


def test_bolt_reconnects_after_its_socket_is_dropped(handler, slack_stub):
    opens = opened(slack_stub)
    slack_stub.socket_drop()
    slack_stub.wait_for_socket(timeout=5)
    assert (opened(slack_stub) > opens, slack_stub.send_slash("status", "U0OPS1")["text"]) == (
        True,
        "on it: status",
    )
