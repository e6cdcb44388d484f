"""How fast the bot acks: signed `/llm help` from C keep-alive connections for S seconds against
`llmbot serve`, and against a bare Bolt app on the same server (waitress, same threads) as the
baseline. Prints p50/p99 latency, requests/s, the bot/bare ratio, server CPU per request and the
bot's memory. Usage: python bench/ack.py [--seconds 10] [--connections 8] [--clients raw,requests]"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import loadgen
import requests
import serving

from sandbox.platform import BOT_TOKEN, Sandbox, free_port
from sandbox.slack_sender import signed_headers, slash_body

TARGET_P99_MS = 10.0
TARGET_RATIO = 0.5
TARGET_RSS_MB = 200.0
THREADS = 8  # the bot's default server.threads; the bare app gets the same


def main() -> int:
    args = _parser().parse_args()
    with Sandbox(with_prometheus=args.with_prometheus) as sb:
        work = Path(sb.workdir)
        bot_port, bare_port = free_port(), free_port()
        config = sb.write_config(work / "bot.yaml", port=bot_port)
        bot = serving.start_bot(config, work / "bot.log")
        bare = serving.start_bare_app(
            bare_port, sb.signing_secret, THREADS, sb.slack.api_url, BOT_TOKEN, work / "bare.log"
        )
        try:
            targets = {
                "bot": (f"http://127.0.0.1:{bot_port}", bot),
                "bare": (f"http://127.0.0.1:{bare_port}", bare),
            }
            serving.wait_until_answering(f"{targets['bot'][0]}/readyz", bot)
            serving.wait_until_answering(f"{targets['bare'][0]}/", bare)
            body = slash_body(
                "help", "U0OPS1", "C0PLATFORM", sb.slack.new_response_url("C0PLATFORM", "U0OPS1")
            )
            _check_answers(targets, body, sb.signing_secret)
            idle_mb = serving.memory_mb(bot.pid)
            results = _measure(args, targets, body, sb.signing_secret)
            _report(args, results, idle_mb, serving.memory_mb(bot.pid), serving.memory_mb(bare.pid))
        finally:
            serving.stop(bot)
            serving.stop(bare)
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0, help="load time per client and server")
    parser.add_argument("--connections", type=int, default=8, help="concurrent keep-alive connections")
    parser.add_argument("--clients", default="raw,requests", help="raw (selectors) and/or requests (threads)")
    parser.add_argument("--warmup", type=float, default=1.0, help="unrecorded load before each measurement")
    parser.add_argument("--with-prometheus", action="store_true", help="also run the sandbox's Prometheus")
    return parser


def _check_answers(targets: dict, body: bytes, secret: str) -> None:
    """Both servers must really ack /llm help (a 401 is fast too, and would flatter the numbers)."""
    for name, expected in (("bot", "llmbot commands"), ("bare", "ok")):
        url = f"{targets[name][0]}/slack/events"
        answer = requests.post(url, data=body, headers=signed_headers(secret, body), timeout=10)
        if answer.status_code != 200 or expected not in answer.text:
            raise SystemExit(f"{name} did not ack /llm help: {answer.status_code} {answer.text[:200]}")


def _measure(args, targets: dict, body: bytes, secret: str) -> list[dict]:
    results = []
    for client in args.clients.split(","):
        for name, (url, process) in targets.items():
            headers = signed_headers(secret, body)  # fresh timestamp: Bolt refuses ones over 5 min old
            loadgen.run(client, f"{url}/slack/events", body, headers, args.connections, args.warmup)
            cpu_before = serving.cpu_seconds(process.pid)
            load = loadgen.run(client, f"{url}/slack/events", body, headers, args.connections, args.seconds)
            server_cpu = serving.cpu_seconds(process.pid) - cpu_before
            results.append({"client": client, "server": name, "load": load, "server_cpu": server_cpu})
            time.sleep(0.5)
    return results


def _report(args, results: list[dict], idle_mb: dict, bot_mb: dict, bare_mb: dict) -> None:
    print(
        f"\n/llm help acks: {args.connections} keep-alive connections, {args.seconds:g} s each, "
        f"waitress threads={THREADS}, {len(os.sched_getaffinity(0))} cores"
    )
    print(
        f"{'client':9} {'server':6} {'requests':>8} {'req/s':>7} {'p50 ms':>7} {'p99 ms':>7} {'max ms':>7} "
        f"{'errors':>6} {'server CPU ms/req':>17} {'server CPU %':>12} {'client CPU %':>12}"
    )
    for r in results:
        load = r["load"]
        count = len(load.latencies_ms)
        print(
            f"{r['client']:9} {r['server']:6} {count:8d} {load.per_second:7.0f} {load.percentile(50):7.2f} "
            f"{load.percentile(99):7.2f} {max(load.latencies_ms):7.2f} {load.errors:6d} "
            f"{1000 * r['server_cpu'] / max(count, 1):17.3f} {100 * r['server_cpu'] / load.seconds:12.0f} "
            f"{100 * load.client_cpu_seconds / load.seconds:12.0f}"
        )
    print()
    for client in args.clients.split(","):
        bot, bare = (
            next(r["load"] for r in results if r["client"] == client and r["server"] == s)
            for s in ("bot", "bare")
        )
        ratio = bot.per_second / bare.per_second
        print(
            f"[{client}] bot/bare throughput {ratio:.2f} ({_verdict(ratio >= TARGET_RATIO)} >= {TARGET_RATIO}); "
            f"bot p99 {bot.percentile(99):.2f} ms ({_verdict(bot.percentile(99) < TARGET_P99_MS)} < "
            f"{TARGET_P99_MS:g} ms); p99 bot/bare {bot.percentile(99) / bare.percentile(99):.2f}"
        )
    print(
        f"bot RSS: {idle_mb['VmRSS']:.0f} MB before load, {bot_mb['VmRSS']:.0f} MB after, peak "
        f"{bot_mb['VmHWM']:.0f} MB ({_verdict(bot_mb['VmHWM'] < TARGET_RSS_MB)} < {TARGET_RSS_MB:g} MB); "
        f"bare app RSS {bare_mb['VmRSS']:.0f} MB"
    )


def _verdict(ok: bool) -> str:
    return "MEETS" if ok else "MISSES"


if __name__ == "__main__":
    sys.exit(main())
