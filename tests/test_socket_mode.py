"""Slack over Socket Mode: the same router, RBAC and approvals as over HTTP, through slack_bolt's own
SocketModeHandler against the sandbox's Socket Mode server (written from Slack's protocol): `/llm
scale` goes through an approval over the socket, the bot reconnects after a refresh, /readyz says
so, and the HTTP listener keeps everything but /slack/events."""

import requests

from bot.changes.card import APPROVE
from sandbox.slack_sender import action_payload
from tests.support import start_bot, wait_until


def opened(sandbox) -> int:
    return len(sandbox.slack.calls("apps.connections.open"))


def test_scale_is_approved_over_the_socket_and_the_bot_reconnects_after_a_refresh(
    sandbox, tmp_path, restore_rag
):
    before = opened(sandbox)
    running = start_bot(sandbox, tmp_path / "db", slack={"socket_mode": True})
    try:
        wait_until(lambda: running.bot.socket.connected())
        ack = sandbox.slack.send_slash("scale rag-service 4", "U0OPS1", "C0SOCKET")
        assert ack["text"] == "⏳ Working on `/llm scale`…"
        [card] = running.wait_for_posts(channel="C0SOCKET")
        url = sandbox.slack.new_response_url("C0SOCKET", "U0OPS2")
        assert sandbox.slack.send_click(action_payload(APPROVE, "1", "U0OPS2", "C0SOCKET", card, url)) == {}
        wait_until(lambda: running.store.approval(1).state == "succeeded")
        ready = requests.get(f"{running.url}/readyz", timeout=5).json()
        assert ready["info"]["slack_socket"] == "connected"
        assert requests.post(f"{running.url}/slack/events", data=b"x", timeout=5).status_code == 404
        assert "llmbot_socket_connected 1.0" in requests.get(f"{running.url}/metrics", timeout=5).text

        sandbox.slack.socket_disconnect("refresh_requested")
        wait_until(lambda: opened(sandbox) == before + 2 and running.bot.socket.connected())
        assert sandbox.slack.send_slash("help", "U0OPS1", "C0SOCKET")["text"].startswith("*llmbot commands*")
    finally:
        sandbox.slack.socket_drop()  # first, or the client waits out its receive timeout while closing
        running.stop()


def test_a_viewer_is_refused_over_the_socket_as_over_http(sandbox, tmp_path):
    running = start_bot(sandbox, tmp_path / "db", slack={"socket_mode": True})
    try:
        wait_until(lambda: running.bot.socket.connected())
        ack = sandbox.slack.send_slash("scale rag-service 4", "U0VIEW", "C0SOCKET")
        assert ack["text"].startswith("⛔ `/llm scale` needs the *operator* role; your role is *viewer*.")
    finally:
        sandbox.slack.socket_drop()  # first, or the client waits out its receive timeout while closing
        running.stop()
