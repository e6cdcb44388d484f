"""Timers at scale: N pending timers (default 10,000) coming due over a few seconds, fired by the bot's
real scheduler on the real clock, each handler returning what an escalation step returns (a state
write, a thread post, a job and the next timer). Prints lateness p50/p99/max, fired/s, the process's
CPU seconds and RSS; with --queued-posts, first fills the outbox as a storm would and times the
outbox's own queries on it.
Usage: python bench/timers.py [--timers 10000] [--spread 5] [--queued-posts 50000]"""

from __future__ import annotations

import argparse
import resource
import statistics
import tempfile
import time
from pathlib import Path

from bot.clock import SystemClock
from bot.metrics import Metrics
from bot.scheduler import Scheduler
from bot.state import Effects, NewJob, Post, SetTimer, Store, Write

KIND = "bench.escalate"


def arm(store: Store, count: int, start: float, spread: float) -> None:
    timers = [
        SetTimer(KIND, f"incident-{n}:0", start + spread * n / count, {"level": 0}) for n in range(count)
    ]
    for at in range(0, count, 1000):
        store.commit(Effects.of(*timers[at : at + 1000]), time.time())


def fill_outbox(store: Store, count: int) -> None:
    """A storm's backlog: posts and edits of keyed messages across a few channels."""
    posts = []
    for n in range(count):
        channel = ("C0INCIDENT", "C0PLATFORM", "C0ALERTS")[n % 3]
        method = "chat.update" if n % 4 == 3 else "chat.postMessage"
        posts.append(
            Post(
                method,
                channel,
                {"channel": channel, "text": f"post {n}"},
                key=f"msg:{n // 4}:{n % 4}" if method == "chat.postMessage" else f"msg:{n // 4}:0",
                priority=n % 4,
            )
        )
    for at in range(0, count, 1000):
        store.commit(Effects.of(*posts[at : at + 1000]), time.time())


def time_outbox_queries(store: Store) -> None:
    now, rounds = time.time(), 20
    started = time.perf_counter()
    for _ in range(rounds):
        lanes = store.due_channels(now)
    lanes_ms = (time.perf_counter() - started) / rounds * 1000
    started = time.perf_counter()
    for _ in range(rounds):
        items = [item for lane in lanes for item in store.due_in_channel(lane, now)]
    lane_ms = (time.perf_counter() - started) / rounds * 1000
    updates = [i for i in items if i.method == "chat.update"] or items[:1]
    started = time.perf_counter()
    for item in updates * 5:
        store.stale_update(item)
    stale_ms = (time.perf_counter() - started) / max(len(updates) * 5, 1) * 1000
    print(
        f"outbox with {store.pending_count()} queued: due_channels {lanes_ms:.2f} ms, "
        f"due_in_channel for all {len(lanes)} lanes {lane_ms:.2f} ms, stale_update {stale_ms:.3f} ms"
    )


def handler(fired: list[float]):
    def step(timer, late: float) -> Effects:
        fired.append(time.time() - timer.due_at)
        incident = timer.key.split(":")[0]
        return Effects.of(
            Write(
                "UPDATE timers SET payload=payload WHERE id=?", (timer.id,), expect=None, what="a state write"
            ),
            Post("chat.postMessage", "C0INCIDENT", {"channel": "C0INCIDENT", "text": f"⏫ {incident}"}),
            NewJob("bench-escalate", {"incident": incident}),
            SetTimer(KIND, f"{incident}:1", time.time() + 3600, {"level": 1}),
        )

    return step


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--timers", type=int, default=10_000)
    parser.add_argument("--spread", type=float, default=5.0, help="seconds over which they come due")
    parser.add_argument("--db", help="state file (default: a temporary one)")
    parser.add_argument("--queued-posts", type=int, default=0, help="fill the outbox with this many first")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(args.db or Path(tmp) / "timers.db")
        if args.queued_posts:
            fill_outbox(store, args.queued_posts)
            time_outbox_queries(store)
        start = time.time() + 2.0
        arm(store, args.timers, start, args.spread)
        fired: list[float] = []
        scheduler = Scheduler(store, {KIND: handler(fired)}, SystemClock(), Metrics())
        cpu = time.process_time()
        scheduler.start()
        deadline = start + args.spread + 120
        while len(fired) < args.timers and time.time() < deadline:
            time.sleep(0.1)
        took = time.time() - start
        scheduler.stop()
        report(args, fired, took, time.process_time() - cpu)
        store.close()
    return 0


def report(args, fired: list[float], took: float, cpu: float) -> None:
    ordered = sorted(fired)
    p99 = ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))] if ordered else float("nan")
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"{len(fired)}/{args.timers} timers fired, due over {args.spread:g} s, "
        f"done {took:.1f} s after the first"
    )
    print(f"lateness p50 {statistics.median(ordered):.3f} s  p99 {p99:.3f} s  max {ordered[-1]:.3f} s")
    print(f"{len(fired) / max(took, 1e-9):.0f} fired/s  CPU {cpu:.1f} s  peak RSS {rss:.0f} MB")


if __name__ == "__main__":
    raise SystemExit(main())
