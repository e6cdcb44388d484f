"""An incident storm at Slack's real pace: N incidents (default 150) paged within ~2 s into
`llmbot serve` (slack.pace_seconds 1.0, as Slack allows), then a `/llm status` asked in #llm-platform
while the storm's posts queue. Prints when the storm digest landed, when the first 20 incident roots
landed and how many of them were P0/P1, when the answer landed, and when the last root did.
With --slow-slack S, Slack answers every call after 6 s (the bot's client gives up at 5 s) for S
seconds while 5 commands and 5 incidents arrive, and it counts duplicate posts (must be 0).
Usage: python bench/storm.py [--incidents 150] [--slow-slack 40]"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import threading
import time
from pathlib import Path

from sandbox import pagerduty_sender as pd
from sandbox.bot_process import BotProcess
from sandbox.platform import PAGERDUTY_WEBHOOK_SECRETS, Sandbox
from sandbox.slack_sender import SlackSender

MIX = ["P0"] * 2 + ["P1"] * 2 + ["P2"] * 3 + ["P3"] * 3


def page_all(sandbox: Sandbox, bot: BotProcess, count: int, seed: int = 5) -> dict[str, str]:
    rng = random.Random(seed)
    incidents = [sandbox.pagerduty.page(rng.choice(MIX), f"storm {n}") for n in range(count)]
    by_sender: list[list] = [incidents[i::8] for i in range(8)]

    def send(batch):
        for incident in batch:
            pd.deliver(
                f"{bot.url}/pagerduty/webhook",
                pd.event("incident.triggered", pd.webhook_data(incident)),
                PAGERDUTY_WEBHOOK_SECRETS,
            )

    threads = [threading.Thread(target=send, args=(b,)) for b in by_sender]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return {f"#{i['incident_number']} ": (i.get("priority") or {}).get("summary", "P3") for i in incidents}


def storm(sandbox: Sandbox, bot: BotProcess, count: int) -> int:
    since = max([m["seq"] for m in sandbox.slack.messages()] or [0])
    started = time.time()
    severities = page_all(sandbox, bot, count)
    paged = time.time() - started
    time.sleep(max(0.0, 3 - paged))  # the storm is queued; now someone asks for the morning check
    asked = time.time()
    SlackSender(bot.url, sandbox.signing_secret).slash(
        "status", "U0OPS1", "C0PLATFORM", sandbox.slack.new_response_url("C0PLATFORM", "U0OPS1")
    )
    bot.wait_until(lambda: len(roots(sandbox, since)) >= count and answer(sandbox, since), timeout=1800)
    found = roots(sandbox, since)
    digest = min(
        m["at"]
        for m in sandbox.slack.messages(channel="C0INCIDENT", after=since)
        if "storm" in (m["text"] or "")
    )
    first = found[:20]
    urgent = sum(severities[_number(m)] in ("P0", "P1") for m in first)
    print(f"{count} incidents paged in {paged:.2f} s")
    print(f"storm digest after {digest - started:.2f} s")
    print(
        f"first 20 roots by {first[-1]['at'] - started:.1f} s; {urgent} of them P0/P1 "
        f"(of {sum(v in ('P0', 'P1') for v in severities.values())} P0/P1 in all)"
    )
    print(
        f"/llm status in #llm-platform answered {answer(sandbox, since)['at'] - asked:.2f} s "
        "after it was asked"
    )
    print(f"all {count} roots by {found[-1]['at'] - started:.1f} s")
    return 0


def roots(sandbox: Sandbox, since: int) -> list[dict]:
    return [
        m
        for m in sandbox.slack.messages(channel="C0INCIDENT", after=since)
        if m["kind"] == "post"
        and m["ok"]
        and not m.get("thread_ts")
        and "storm" in (m["text"] or "")
        and "Incident storm" not in m["text"]
    ]


def answer(sandbox: Sandbox, since: int) -> dict | None:
    return next(
        (
            m
            for m in sandbox.slack.messages(channel="C0PLATFORM", after=since)
            if m["kind"] == "post" and "LLM platform status" in (m["text"] or "")
        ),
        None,
    )


def _number(message: dict) -> str:
    return "#" + message["text"].split("#", 1)[1].split(" ", 1)[0] + " "


def slow_slack(sandbox: Sandbox, bot: BotProcess, seconds: float) -> int:
    """Slack takes every call but answers after 6 s for `seconds`: nothing may be posted twice."""
    since = max([m["seq"] for m in sandbox.slack.messages()] or [0])
    sandbox.slack.slow(6.0, for_seconds=seconds)
    sender = SlackSender(bot.url, sandbox.signing_secret)
    for _ in range(5):
        sender.slash("status", "U0OPS1", "C0SLOW", sandbox.slack.new_response_url("C0SLOW", "U0OPS1"))
    page_all(sandbox, bot, 5, seed=99)
    time.sleep(seconds)
    bot.wait_until(bot.idle, timeout=600)
    posts = [m for m in sandbox.slack.messages(after=since) if m["kind"] == "post"]
    answers = [m for m in posts if m["channel"] == "C0SLOW"]
    storm_roots = [m for m in posts if m["channel"] == "C0INCIDENT" and not m.get("thread_ts")]
    print(
        f"Slack slow for {seconds:g} s: {len(answers)} answers for 5 commands, "
        f"{len(storm_roots)} roots for 5 incidents"
    )
    return 0 if len(answers) == 5 and len(storm_roots) == 5 else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--incidents", type=int, default=150)
    parser.add_argument("--slow-slack", type=float, default=0.0, help="seconds of a slow Slack instead")
    args = parser.parse_args()
    with Sandbox(with_prometheus=False) as sandbox, tempfile.TemporaryDirectory() as tmp:
        bot = BotProcess(sandbox, Path(tmp), slack={"pace_seconds": 1.0}).start()
        try:
            if args.slow_slack:
                return slow_slack(sandbox, bot, args.slow_slack)
            return storm(sandbox, bot, args.incidents)
        finally:
            bot.stop()


if __name__ == "__main__":
    sys.exit(main())
