"""The HTTP surface under junk, against `llmbot serve` + the sandbox: 98 connections that sent a head
and 3 bytes of a 100 kB body and then nothing, a few that drip a body byte a second, and a few chunked
bodies with an endless chunk-size line; meanwhile /healthz on the probe port and on the main port and
signed `/llm help` acks are timed, each on a new connection. Then a storm of junk (bench/junk.py) with
its status codes, latency, server CPU and log lines per request. Exit status 0 when every verdict holds.
Usage: python bench/slowloris.py [--stalled 98] [--drippers 4] [--chunked 4] [--junk 500]"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import attack
import junk
import serving
import yaml

from sandbox.platform import Sandbox, free_port


def main() -> int:
    args = _parser().parse_args()
    with Sandbox(with_prometheus=False) as sb:
        work, secret = Path(sb.workdir), sb.signing_secret
        config = sb.config(port=free_port())
        config["server"]["health_port"] = free_port()
        (work / "bot.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
        bot = serving.start_bot(work / "bot.yaml", work / "bot.log")
        host, main, probe = "127.0.0.1", config["server"]["port"], config["server"]["health_port"]
        try:
            serving.wait_until_answering(f"http://{host}:{probe}/readyz", bot)
            rounds = {"quiet": attack.probe_round(host, main, probe, secret, args.seconds)}
            siege = attack.Siege(host, main, args.stalled, args.drippers, args.chunked).start()
            rounds["attack"] = attack.probe_round(host, main, probe, secret, args.attack_seconds)
            outcomes = siege.wait(timeout=30)
            storm = junk.storm(host, main, secret, args.junk, bot.pid, work / "bot.log")
            rounds["after"] = attack.probe_round(host, main, probe, secret, 1.0)
        finally:
            serving.stop(bot)
    _report(args, rounds, outcomes, storm)
    return 0 if _verdicts(rounds, outcomes, storm) else 1


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stalled", type=int, default=98, help="connections that stop after 3 body bytes")
    parser.add_argument("--drippers", type=int, default=4, help="connections that send a body byte a second")
    parser.add_argument("--chunked", type=int, default=4, help="chunked bodies with an endless size line")
    parser.add_argument("--junk", type=int, default=500, help="requests of each kind of junk")
    parser.add_argument("--seconds", type=float, default=2.0, help="probing before the attack")
    parser.add_argument("--attack-seconds", type=float, default=8.0, help="probing during the attack")
    return parser


def _report(args, rounds: dict, outcomes: dict, storm: dict) -> None:
    print(
        f"\nprobes and signed acks every 20 ms, on new connections ({args.attack_seconds:g} s under attack)"
    )
    print(f"{'phase':7} {'what':21} {'count':>5} {'p50 ms':>7} {'p99 ms':>7} {'max ms':>7} {'failed':>6}")
    for phase, round_ in rounds.items():
        for what, s in round_.items():
            row = f"{len(s.ms):5d} {s.p(50):7.2f} {s.p(99):7.2f} {max(s.ms):7.2f} {s.failed:6d}"
            print(f"{phase:7} {what:21} {row}")
    print(f"\nthe attack: {args.stalled} stalled bodies, {args.drippers} drippers, {args.chunked} chunked")
    print(
        f"{'kind':8} {'count':>5} {'outcome':18} {'answer/close s: first':>21} {'median':>7} {'last':>6} "
        f"{'closed, last s':>14} {'sent kB':>8}"
    )
    for kind, rows in outcomes.items():
        for outcome, times, closes, sent in attack.grouped(rows):
            print(
                f"{kind:8} {len(times):5d} {outcome:18} {times[0]:21.3f} {times[len(times) // 2]:7.3f} "
                f"{times[-1]:6.3f} {closes[-1]:14.3f} {sent / 1024:8.1f}"
            )
    print(
        f"\njunk: {args.junk} of each kind on one keep-alive connection (a new one after the server closes)"
    )
    print(f"{'kind':24} {'statuses':16} {'p50 ms':>7} {'p99 ms':>7} {'CPU ms/req':>10} {'log lines/req':>13}")
    for kind, row in storm.items():
        statuses = ", ".join(f"{n}×{code}" for code, n in sorted(row["statuses"].items()))
        print(
            f"{kind:24} {statuses:16} {row['samples'].p(50):7.2f} {row['samples'].p(99):7.2f} "
            f"{row['cpu_ms']:10.3f} {row['log_lines']:13.2f}"
        )


def _verdicts(rounds: dict, outcomes: dict, storm: dict) -> bool:
    during, probe, ack = rounds["attack"], "healthz (probe port)", "signed /llm help"
    unsigned = [
        code for kind, row in storm.items() if not kind.startswith("signed junk") for code in row["statuses"]
    ]
    checks = {
        "probe-port /healthz answered throughout, p99 < 1 s": not during[probe].failed
        and during[probe].p(99) < 1000,
        "signed /llm help acked throughout, p99 < 100 ms": not during[ack].failed and during[ack].p(99) < 100,
        "every stalled body closed within 7 s": all((r["closed"] or 99) < 7 for r in outcomes["stalled"]),
        "every dripper answered 408": all(r["status"] == "408" for r in outcomes["dripper"]),
        "every chunked body answered 411 within 1 s": all(
            r["status"] == "411" and r["answered"] < 1 for r in outcomes["chunked"]
        ),
        "no junk without a valid signature answered 5xx": all(0 < code < 500 for code in unsigned),
        "signed /llm help acked after the storm": not rounds["after"][ack].failed,
    }
    for what, ok in checks.items():
        print(f"{'MEETS ' if ok else 'MISSES'} {what}")
    return all(checks.values())


if __name__ == "__main__":
    sys.exit(main())
