"""A PagerDuty alert storm against `llmbot serve`: 1,000 signed V3 webhooks for 200 incidents (30%
duplicate deliveries of the same X-Webhook-Id), from 8 concurrent senders, while the Slack stand-in
answers 429 at times. Each incident's events go through one sender in order, as PagerDuty sends them.
Reports accepted/s and response-time percentiles, then checks the state file: every event applied,
exactly one root per incident, nothing failed. Slack delivery itself continues at Slack's pace
(1 post/s in #incident-response), which --drain waits for.
Usage: python bench/webhook_storm.py [--incidents 200] [--webhooks 1000] [--senders 8] [--drain]"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import threading
import time
from pathlib import Path

import requests
import serving

from bot.state import Store
from sandbox import pagerduty_sender as pd
from sandbox.platform import PAGERDUTY_WEBHOOK_SECRETS, Sandbox, free_port

KINDS = ("incident.triggered", "incident.acknowledged", "incident.annotated", "incident.resolved")


def deliveries(incidents: int, total: int, seed: int = 7) -> list[list[tuple[str, bytes]]]:
    """Per sender, its (webhook id, body) list: unique events in per-incident order plus duplicates."""
    rng = random.Random(seed)
    unique_count = round(total * 0.7)
    events: list[tuple[int, str, bytes]] = []
    for n in range(unique_count):
        i, step = n % incidents, n // incidents
        data = pd.incident_data(
            f"QSTORM{i:05d}", 9000 + i, f"storm alert {i}", priority=rng.choice(["P1", "P2", "P3"])
        )
        kind = KINDS[min(step, len(KINDS) - 1)]
        if kind == "incident.annotated":
            data = pd.note_data(data["id"], data["title"], f"PNSTORM{i}", "looking into it")
        elif kind != "incident.triggered":
            data["status"] = kind.split(".")[1]
        events.append((i, f"wh-{n}", pd.event(kind, data, agent=None if step == 0 else "PUSER01")))
    per_sender: list[list[tuple[str, bytes]]] = [[] for _ in range(8)]
    for i, webhook_id, body in events:
        per_sender[i % 8].append((webhook_id, body))
    for _ in range(total - unique_count):  # a retry repeats an earlier delivery, id and body, later on
        queue = rng.choice(per_sender)
        position = rng.randrange(len(queue))
        queue.insert(rng.randrange(position + 1, len(queue) + 1), queue[position])
    return per_sender


def send_all(url: str, queues: list[list[tuple[str, bytes]]]) -> tuple[list[float], list[int], float]:
    latencies: list[float] = []
    codes: list[int] = []
    lock = threading.Lock()

    def run(queue):
        session = requests.Session()
        for webhook_id, body in queue:
            started = time.perf_counter()
            code = session.post(
                url,
                data=body,
                headers=pd.headers(list(PAGERDUTY_WEBHOOK_SECRETS), body, webhook_id),
                timeout=10,
            ).status_code
            with lock:
                latencies.append(time.perf_counter() - started)
                codes.append(code)

    threads = [threading.Thread(target=run, args=(q,)) for q in queues]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return latencies, codes, time.perf_counter() - started


def settle(db: Path, unique: int, timeout: float) -> tuple[Store, float]:
    store, started = Store(db), time.perf_counter()
    while time.perf_counter() - started < timeout:
        inbox = store.inbox()
        if len(inbox) == unique and all(e.state == "done" for e in inbox):
            break
        time.sleep(0.2)
    return store, time.perf_counter() - started


def main() -> int:
    args = _parser().parse_args()
    with Sandbox(with_prometheus=False) as sb:
        work, port = Path(sb.workdir), free_port()
        db = work / "storm.db"
        bot = serving.start_bot(sb.write_config(work / "bot.yaml", db=db, port=port), work / "bot.log")
        try:
            url = f"http://127.0.0.1:{port}"
            serving.wait_until_answering(f"{url}/readyz", bot)
            queues = deliveries(args.incidents, args.webhooks)
            unique = len({w for q in queues for w, _ in q})
            sb.slack.ratelimit("chat.postMessage", 30, retry_after=1)
            latencies, codes, seconds = send_all(f"{url}/pagerduty/webhook", queues)
            store, settled = settle(db, unique, 120)
            _report(args, latencies, codes, seconds, store, unique, settled)
            if args.drain:
                _drain(store, sb)
        finally:
            serving.stop(bot)
    return 0


def _report(args, latencies, codes, seconds, store: Store, unique: int, settled: float) -> None:
    ordered = sorted(latencies)
    roots = [p for p in store.posts() if p.key and p.key.endswith(":root") and p.method == "chat.postMessage"]
    print(
        f"webhooks sent: {len(codes)} ({unique} unique, {len(codes) - unique} duplicates) "
        f"from {args.senders} senders"
    )
    print(f"status codes: {dict(sorted({c: codes.count(c) for c in set(codes)}.items()))}")
    print(f"accepted/s: {len(codes) / seconds:.0f} (wall {seconds:.2f} s)")
    print(
        f"response ms: p50 {statistics.median(ordered) * 1000:.1f}, "
        f"p99 {ordered[int(len(ordered) * 0.99) - 1] * 1000:.1f},"
        f" max {ordered[-1] * 1000:.1f}"
    )
    print(
        f"applied: {sum(e.state == 'done' for e in store.inbox())}/{unique} events, "
        f"all within {settled:.1f} s"
    )
    print(
        f"root posts queued: {len(roots)} for {len({p.key for p in roots})} incidents "
        f"(incidents in the store: {len(store.incidents(('triggered', 'acknowledged', 'resolved')))})"
    )
    print(
        f"outbox: {len(store.posts('sent'))} sent, {len(store.posts('pending'))} pending, "
        f"{len(store.posts('failed'))} failed"
    )


def _drain(store: Store, sb) -> None:
    started = time.perf_counter()
    while store.posts("pending"):
        time.sleep(1)
    posted = [
        m for m in sb.slack.messages(channel="C0INCIDENT") if m["kind"] == "post" and not m.get("thread_ts")
    ]
    print(
        f"drained in {time.perf_counter() - started:.0f} s: {len(posted)} root messages in Slack, "
        f"{len(store.posts('failed'))} failed"
    )


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--incidents", type=int, default=200)
    parser.add_argument("--webhooks", type=int, default=1000)
    parser.add_argument("--senders", type=int, default=8)
    parser.add_argument("--drain", action="store_true", help="wait until Slack has every post (minutes)")
    return parser


if __name__ == "__main__":
    sys.exit(main())
