"""How fast the bot acks: distinct signed `/llm help` requests (each sent once: a repeat is a replay,
answered without acting) against `llmbot serve` and against bare Bolt apps on several servers in the
same run. Closed-loop over C keep-alive connections (saturation), then open-loop at fixed rates below
the bot's saturation. Prints p50/p99 latency, requests/s, the bot's ratio to the fastest bare app,
server CPU per request and the bot's memory. Usage: python bench/ack.py [--seconds 10]
[--connections 8] [--bare waitress,uvicorn-starlette-async,...] [--rates 0.5,0.8] [--clients raw]"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import loadgen
import requests
import serving
from bare_app import SERVERS
from signed import slash_requests

from sandbox.platform import BOT_TOKEN, Sandbox, free_port

TARGET_P99_MS = 10.0
TARGET_RATIO = 0.6
TARGET_RSS_MB = 200.0
THREADS = 8  # the bot's default server.threads; the bare apps on thread pools get the same
BOT_ANSWER, BARE_ANSWER = b"llmbot commands", b"ok"
REPLAY_ANSWER = b'{"response_type":"ephemeral","text":""}'
# the bot's old server, the bot's server, and the fastest of the others in trials (bare_app.SERVERS has more);
# bjoern needs libev (apt-get install libev-dev; pip install bjoern) and is skipped when missing
DEFAULT_BARE = "waitress,llmbot-asyncio,uvicorn-starlette-async,granian-wsgi,bjoern"


def main() -> int:
    args = _parser().parse_args()
    with Sandbox(with_prometheus=args.with_prometheus) as sb:
        work, secret = Path(sb.workdir), sb.signing_secret
        bot_port = free_port()
        bot = serving.start_bot(
            sb.write_config(work / "bot.yaml", port=bot_port), work / "bot.log", args.bot_on
        )
        targets = {"bot": (f"http://127.0.0.1:{bot_port}", bot, BOT_ANSWER)}
        print(f"bot pid {bot.pid} (py-spy record --pid {bot.pid} while it runs)", flush=True)
        for name in args.bare.split(","):
            port = free_port()
            process = serving.start_bare_app(
                name,
                port,
                secret,
                THREADS,
                sb.slack.api_url,
                BOT_TOKEN,
                work / f"{name}.log",
                args.bare_bytes,
            )
            targets[name] = (f"http://127.0.0.1:{port}", process, BARE_ANSWER)
        try:
            for name, (url, process, _) in list(targets.items()):
                try:
                    serving.wait_until_answering(f"{url}/readyz" if name == "bot" else f"{url}/", process)
                except RuntimeError as exc:
                    if name == "bot":
                        raise
                    print(f"skipped {name}: {exc} (see its log; is it installed?)")
                    del targets[name]
            _check_answers(targets, secret)
            idle_mb = serving.memory_mb(bot.pid)
            closed = _closed_loop(args, targets, secret)
            opened = _open_loop(args, targets, secret, closed)
            _report(args, closed, opened, idle_mb, serving.memory_mb(bot.pid))
        finally:
            for _, process, _ in targets.values():
                serving.stop(process)
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0, help="load time per measurement")
    parser.add_argument("--connections", type=int, default=8, help="concurrent keep-alive connections")
    parser.add_argument("--bare", default=DEFAULT_BARE, help=f"bare Bolt servers, of: {', '.join(SERVERS)}")
    parser.add_argument("--bare-bytes", type=int, default=0, help='pad the bare apps\' "ok" to this size')
    parser.add_argument("--bot-on", default="", help="serve the bot with bench/bot_on_<this>.py (bjoern)")
    parser.add_argument("--rates", default="0.5,0.8", help="open-loop rates, as fractions of the bot's req/s")
    parser.add_argument("--clients", default="raw", help="raw (selectors) and/or requests (threads)")
    parser.add_argument("--warmup", type=float, default=1.0, help="unrecorded load before each measurement")
    parser.add_argument("--with-prometheus", action="store_true", help="also run the sandbox's Prometheus")
    return parser


def _check_answers(targets: dict, secret: str) -> None:
    """Every server really acks /llm help (a 401 is fast too), and the bot answers a repeat of the same
    signed request as a replay (so the load must never repeat one)."""
    for name, (url, _, expected) in targets.items():
        body, headers = slash_requests(secret, 1)[0]
        answers = [requests.post(f"{url}/slack/events", data=body, headers=headers, timeout=10)]
        if name == "bot":
            answers.append(requests.post(f"{url}/slack/events", data=body, headers=headers, timeout=10))
            if answers[1].status_code != 200 or answers[1].content != REPLAY_ANSWER:
                raise SystemExit(f"the bot did not answer a replay as one: {answers[1].text[:200]}")
        if answers[0].status_code != 200 or expected not in answers[0].content:
            raise SystemExit(
                f"{name} did not ack /llm help: {answers[0].status_code} {answers[0].text[:200]}"
            )


def _measure(args, target: tuple, secret: str, client: str, count: int, rate: float | None = None) -> dict:
    url, process, expected = target
    batch = slash_requests(secret, count)  # fresh timestamps, signed before the clock starts
    cpu_before = serving.cpu_seconds(process.pid)
    load = loadgen.run(
        client, f"{url}/slack/events", batch, expected, args.connections, args.seconds, rate=rate
    )
    return {"load": load, "server_cpu": serving.cpu_seconds(process.pid) - cpu_before, "rate": rate}


def _closed_loop(args, targets: dict, secret: str) -> list[dict]:
    results = []
    for client in args.clients.split(","):
        for name, target in targets.items():
            url, _, expected = target
            warm = loadgen.run(
                client,
                f"{url}/slack/events",
                slash_requests(secret, 30_000),
                expected,
                args.connections,
                args.warmup,
            )
            count = int(warm.per_second * args.seconds * 1.6) + 2_000  # enough, judging by the warm-up
            results.append(
                {"client": client, "server": name, **_measure(args, target, secret, client, count)}
            )
            time.sleep(0.5)
    return results


def _open_loop(args, targets: dict, secret: str, closed: list[dict]) -> list[dict]:
    """The bot and the fastest bare app at the same fixed rates, fractions of the bot's saturation."""
    raw = [r for r in closed if r["client"] == "raw"]
    if not raw or not args.rates:
        return []
    bot_rate = next(r["load"].per_second for r in raw if r["server"] == "bot")
    fastest = _fastest_bare(raw)["server"]
    results = []
    for fraction in (float(f) for f in args.rates.split(",")):
        rate = round(bot_rate * fraction, -1)
        for name in ("bot", fastest):
            count = int(rate * args.seconds) + 10
            results.append(
                {"client": "raw", "server": name, **_measure(args, targets[name], secret, "raw", count, rate)}
            )
            time.sleep(0.5)
    return results


def _fastest_bare(results: list[dict]) -> dict:
    return max((r for r in results if r["server"] != "bot"), key=lambda r: r["load"].per_second)


def _report(args, closed: list[dict], opened: list[dict], idle_mb: dict, bot_mb: dict) -> None:
    print(
        f"\n/llm help acks, each request signed once: {args.connections} keep-alive connections, "
        f"{args.seconds:g} s each, bot on {args.bot_on or 'bot/http_server.py'}, "
        f"{len(os.sched_getaffinity(0))} cores"
    )
    _table("closed loop (saturation)", closed)
    if opened:
        _table("open loop (fixed rate, latency from when each request was due)", opened)
    print()
    for client in args.clients.split(","):
        mine = [r for r in closed if r["client"] == client]
        bot, bare = next(r for r in mine if r["server"] == "bot"), _fastest_bare(mine)
        ratio = bot["load"].per_second / bare["load"].per_second
        print(
            f"[{client}] bot/fastest bare ({bare['server']}) throughput {ratio:.2f} "
            f"({_verdict(ratio >= TARGET_RATIO)} >= {TARGET_RATIO}); saturated bot p99 "
            f"{bot['load'].percentile(99):.2f} ms ({_verdict(bot['load'].percentile(99) <= TARGET_P99_MS)} "
            f"<= {TARGET_P99_MS:g} ms)"
        )
    for r in (r for r in opened if r["server"] == "bot"):
        p99 = r["load"].percentile(99)
        print(f"[open {r['rate']:.0f}/s] bot p99 {p99:.2f} ms ({_verdict(p99 <= TARGET_P99_MS)} <= 10 ms)")
    bad = [r for r in closed + opened if r["load"].errors or r["load"].wrong or r["load"].ran_out]
    for r in bad:
        print(
            f"!! {r['server']} {r['client']}: {r['load'].errors} errors, {r['load'].wrong} wrong answers, "
            f"ran out: {r['load'].ran_out}; last answer {r['load'].sample[:120]!r}"
        )
    print(
        f"bot RSS: {idle_mb['VmRSS']:.0f} MB before load, {bot_mb['VmRSS']:.0f} MB after, peak "
        f"{bot_mb['VmHWM']:.0f} MB ({_verdict(bot_mb['VmHWM'] < TARGET_RSS_MB)} < {TARGET_RSS_MB:g} MB); "
        f"every answer checked: {'all real acks' if not bad else 'SEE ABOVE'}"
    )


def _table(title: str, results: list[dict]) -> None:
    print(f"\n{title}")
    print(
        f"{'client':7} {'server':24} {'rate':>6} {'requests':>8} {'req/s':>7} {'p50 ms':>7} {'p99 ms':>7} "
        f"{'max ms':>7} {'errors':>6} {'CPU ms/req':>10} {'server CPU %':>12} {'client CPU %':>12}"
    )
    for r in results:
        load, count = r["load"], len(r["load"].latencies_ms)
        print(
            f"{r['client']:7} {r['server']:24} {r['rate'] or 0:6.0f} {count:8d} {load.per_second:7.0f} "
            f"{load.percentile(50):7.2f} {load.percentile(99):7.2f} {max(load.latencies_ms):7.2f} "
            f"{load.errors + load.wrong:6d} {1000 * r['server_cpu'] / max(count, 1):10.3f} "
            f"{100 * r['server_cpu'] / load.seconds:12.0f} "
            f"{100 * load.client_cpu_seconds / load.seconds:12.0f}"
        )


def _verdict(ok: bool) -> str:
    return "MEETS" if ok else "MISSES"


if __name__ == "__main__":
    sys.exit(main())
