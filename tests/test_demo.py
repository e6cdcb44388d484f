"""The terminal demo: what a person types reaches the bot signed, and what the bot posts comes back
readable, buttons numbered."""

import io

import pytest
import subprocess
import sys

from sandbox import blocktext
from sandbox.demo import Chat
from sandbox.slack_sender import SlackSender
from tests.support import start_bot


@pytest.fixture
def bot(sandbox, tmp_path):
    """The demo watches the bot as a person would: its loops run in the background."""
    running = start_bot(sandbox, tmp_path / "llmbot.db", background=True)
    yield running
    running.stop()


def test_chat_shows_the_ack_and_the_status_message(bot, sandbox):
    out = io.StringIO()
    chat = Chat(sandbox, SlackSender(bot.url, sandbox.signing_secret), "U0OPS1", out=out)
    chat.seen = bot.since
    chat.say("/llm status")
    text = out.getvalue()
    assert "(only you) bot:\n  ⏳ Working on `/llm status`…" in text
    assert "LLM PLATFORM STATUS" in text and "✅ Pods: 6/6 Running and Ready in llm-inference" in text


def test_chat_switches_user_and_shows_a_refusal(bot, sandbox):
    out = io.StringIO()
    chat = Chat(sandbox, SlackSender(bot.url, sandbox.signing_secret), "U0OPS1", out=out)
    chat.say(":user U0NOBODY")
    chat.say("/llm status")
    assert "⛔ `/llm status` needs the viewer role; you have no role here." in out.getvalue()


def test_buttons_are_numbered_in_the_order_shown():
    buttons: list[blocktext.Button] = []
    message = {
        "ts": "1.0",
        "blocks": [
            {"type": "section", "text": {"type": "mrkdwn", "text": "*Scale* rag-service 3 → 5"}},
            {
                "type": "actions",
                "elements": [
                    {
                        "type": "button",
                        "action_id": "approval:approve",
                        "value": "7",
                        "text": {"type": "plain_text", "text": "Approve"},
                    },
                    {
                        "type": "button",
                        "action_id": "approval:reject",
                        "value": "7",
                        "text": {"type": "plain_text", "text": "Reject"},
                    },
                ],
            },
        ],
    }
    lines = blocktext.render(message, "C0PLATFORM", buttons)
    assert lines == ["Scale rag-service 3 → 5", "  [1] Approve  [2] Reject"]
    assert [(b.number, b.action_id, b.value) for b in buttons] == [
        (1, "approval:approve", "7"),
        (2, "approval:reject", "7"),
    ]


def test_llmbot_demo_runs_a_command_and_stops_cleanly_on_end_of_input():
    result = subprocess.run(
        [sys.executable, "-m", "bot.cli", "demo"],
        input="/llm help\n/llm status\n",
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "sandbox and bot are up" in result.stdout
    assert "`/llm status`  The morning health check" in result.stdout
    assert "LLM PLATFORM STATUS" in result.stdout


def test_a_person_can_approve_a_change_by_typing_the_buttons_number(bot, sandbox, restore_rag):
    out = io.StringIO()
    chat = Chat(sandbox, SlackSender(bot.url, sandbox.signing_secret), "U0OPS1", out=out)
    chat.seen = bot.since
    chat.say("/llm scale rag-service 4")
    assert "[1] Approve  [2] Reject" in out.getvalue()
    chat.say(":user U0OPS2")
    chat.say(":click 1")
    chat.follow(seconds=15)
    text = out.getvalue()
    assert "✅ rag-service scaled to 4" in text
    assert "expires " in text and "<!date" not in text
