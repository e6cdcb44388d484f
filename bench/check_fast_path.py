"""Checks that the bot's short way for `/llm` (bot.slack.SlackApp.answer_slash) answers exactly as the
same request sent through Bolt's dispatch does (status, headers, body), for every kind of ack; that
only bodies Bolt would hand to the `/llm` listener take it; and that a signed request sent twice
through the WSGI app acts once (one audit row or job) and its copy gets the replay answer, on the
short way (help, usage, queued, in-ack verbs) and through Bolt (a click). In-process, against the
sandbox. Usage: python bench/check_fast_path.py"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path
from urllib.parse import urlencode

from bot import config
from bot.app import Bot
from bot.slack import dispatch, slash_command
from sandbox.platform import Sandbox
from sandbox.slack_sender import action_body, signed_headers, slash_body, slash_fields

sys.path.insert(0, str(Path(__file__).parent))
from profile_ack import environ  # noqa: E402

TEXTS = [
    "help",
    "",
    "   ",
    "whoami",
    "help status",
    "help canary",
    "help nosuch",
    "stauts",
    "canary",
    "status",
    "scale rag-service 4",
    "scale rag-service x",
    "scale rag-service 4 --dry-run",
    "scale --nope",
    '"unclosed',
    "héllo ✓ <!channel>",
    "a+b%2Bc & d=e",
    "x" * 1500,
    "incident list",
    "oncall",
    "deploy rag-service evil.example/img:1",
    "help payload",
]
USERS = ["U0OPS1", "U0VIEW", "U0NOBODY"]
FORM = {"Content-Type": ["application/x-www-form-urlencoded"]}
NOT_OURS = {
    "JSON content type": (slash_body("help", "U0OPS1"), {"Content-Type": ["application/json"]}),
    "JSON body": (b'{"command": "/llm", "text": "help"}', FORM),
    "payload field": (urlencode({"payload": "{}", "command": "/llm"}).encode(), FORM),
    "`payload` in the text": (slash_body("help payload", "U0OPS1"), FORM),
    "ssl_check": (slash_body("help", "U0OPS1") + b"&ssl_check=1", FORM),
    "url_verification": (slash_body("help", "U0OPS1") + b"&type=url_verification&challenge=x", FORM),
    "another command": (urlencode(slash_fields("help", "U0OPS1", command="/other")).encode(), FORM),
    "empty body": (b"", FORM),
}


def _answers(bot: Bot, body: bytes) -> tuple[tuple, tuple]:
    headers = {k.lower(): v for k, v in FORM.items()}
    through_bolt = dispatch(bot.bolt, body, "", headers, "rid")
    command = slash_command(bot.bolt, body, headers)
    if command is None:
        raise AssertionError(f"a /llm command did not take the short way: {body[:80]!r}")
    short = bot.bolt.answer_slash(command, "rid")
    return tuple((r.status, r.headers, r.body) for r in (through_bolt, short))


def main() -> int:
    failures = []
    with Sandbox(with_prometheus=False) as sb, tempfile.TemporaryDirectory() as tmp:
        bot = Bot(config.Settings.model_validate(sb.config(db=Path(tmp) / "llmbot.db")))
        checked = 0
        for user in USERS:
            for text in TEXTS:
                if "payload" in text:
                    continue  # Bolt reads such a form as {} (parse_body); NOT_OURS checks it stays with Bolt
                bolt, short = _answers(bot, slash_body(text, user, "C0PLATFORM", "https://hooks.example/x"))
                checked += 1
                if bolt != short:
                    failures.append(f"{user} {text[:40]!r}:\n  bolt  {bolt}\n  short {short}")
        for name, (body, headers) in NOT_OURS.items():
            if slash_command(bot.bolt, body, {k.lower(): v for k, v in headers.items()}) is not None:
                failures.append(f"{name}: took the short way, but Bolt would not give it to on_llm")
        failures += _replays(bot, sb.signing_secret)
        bot.store.close()
    print(
        f"{checked} `/llm` requests answered alike by Bolt and the short way; "
        f"{len(NOT_OURS)} others kept for Bolt"
    )
    print("\n".join(failures) or "no differences")
    return 1 if failures else 0


def _replays(bot: Bot, secret: str) -> list[str]:
    failures = []
    card = {"channel": "C0PLATFORM", "ts": "1.0", "blocks": []}
    bodies = {
        text: slash_body(text, "U0OPS1", "C0PLATFORM", "https://hooks.example/x")
        for text in ("help", "stauts", "scale rag-service 4", "incident list", "oncall")
    }
    bodies["a click"] = action_body(
        "approval:approve", "7", "U0OPS2", "C0PLATFORM", card, "https://hooks.example/y"
    )
    for name, body in bodies.items():
        headers = signed_headers(secret, body)
        rows = len(bot.store.audit_entries(1000)), len(bot.store.jobs("pending"))
        first, second = (_call(bot, body, headers) for _ in range(2))
        after = len(bot.store.audit_entries(1000)), len(bot.store.jobs("pending"))
        if first == REPLAY or second != REPLAY or sum(after) - sum(rows) > 1:
            failures.append(f"replay of {name}: {first[:60]!r} then {second[:60]!r}, rows {rows} -> {after}")
    return failures


REPLAY = b'{"response_type":"ephemeral","text":""}'


def _call(bot: Bot, body: bytes, headers: dict) -> bytes:
    return b"".join(bot.http(environ(body, headers), lambda status, headers: None))


if __name__ == "__main__":
    sys.exit(main())
