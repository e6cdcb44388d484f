"""How long `/llm status` takes to answer: from sending the signed slash command to the status
message appearing in the Slack stand-in, N times with healthy backends, then N times with every
Kubernetes API request slowed to 2 s (the sandbox's fault injection). Each run posts to its own
channel so the outbox's one-post-per-second pacing never adds to the time.
Usage: python bench/status.py [--runs 10] [--delay 2]"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import requests
import serving

from sandbox.platform import Sandbox, free_port
from sandbox.slack_sender import SlackSender

LIMIT_SECONDS = 3.0  # Slack users expect an answer within 3 s
UNKNOWN = "❔"


def main() -> int:
    args = _parser().parse_args()
    with Sandbox() as sb:
        work = Path(sb.workdir)
        port = free_port()
        bot = serving.start_bot(sb.write_config(work / "bot.yaml", port=port), work / "bot.log")
        try:
            url = f"http://127.0.0.1:{port}"
            serving.wait_until_answering(f"{url}/readyz", bot)
            sender = SlackSender(url, sb.signing_secret)
            cold = _timed(sb, sender, "C0BENCHCOLD")  # first use loads clients and opens connections
            healthy = [_timed(sb, sender, f"C0BENCHOK{n}") for n in range(args.runs)]
            requests.post(f"{sb.kube.url}/_sandbox/fault", json={"delay_seconds": args.delay}, timeout=5)
            try:
                slowed = [_timed(sb, sender, f"C0BENCHSLOW{n}") for n in range(args.runs)]
            finally:
                requests.post(f"{sb.kube.url}/_sandbox/fault", json={}, timeout=5)
        finally:
            serving.stop(bot)
    print(
        f"\n/llm status, sent to answer posted, {args.runs} runs each "
        f"(first request after start, not counted: {cold['answer']:.2f} s)"
    )
    ok = _report("healthy backends", healthy)
    ok &= _report(f"Kubernetes API +{args.delay:g} s per request", slowed)
    return 0 if ok else 1


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument(
        "--delay", type=float, default=2.0, help="seconds added to every Kubernetes API request"
    )
    return parser


def _timed(sb: Sandbox, sender: SlackSender, channel: str) -> dict:
    """One `/llm status` from U0OPS1 in `channel`: ack time, answer time, and the ❔ lines in it."""
    response_url = sb.slack.new_response_url(channel, "U0OPS1")
    started = time.perf_counter()
    ack = sender.slash("status", "U0OPS1", channel, response_url)
    acked = time.perf_counter() - started
    if ack.status_code != 200 or "Working on" not in ack.text:
        raise SystemExit(f"unexpected ack: {ack.status_code} {ack.text[:200]}")
    while time.perf_counter() - started < 15:
        posted = sb.slack.messages(channel=channel)
        if posted:
            answered = time.perf_counter() - started
            blocks = " ".join(str(b) for b in posted[0]["blocks"] or [])
            return {"ack": acked, "answer": answered, "ok": posted[0]["ok"], "unknown": blocks.count(UNKNOWN)}
        time.sleep(0.005)
    raise SystemExit(f"no status message in {channel} within 15 s")


def _report(title: str, runs: list[dict]) -> bool:
    answers = [r["answer"] for r in runs]
    within = max(answers) < LIMIT_SECONDS and all(r["ok"] for r in runs)
    print(
        f"{title}: answer p50 {statistics.median(answers):.2f} s, max {max(answers):.2f} s "
        f"({'MEETS' if within else 'MISSES'} < {LIMIT_SECONDS:g} s); ack p50 "
        f"{1000 * statistics.median(r['ack'] for r in runs):.1f} ms"
    )
    print("  answers (s, ❔ lines): " + " ".join(f"{r['answer']:.2f} ({r['unknown']})" for r in runs))
    return within


if __name__ == "__main__":
    sys.exit(main())
