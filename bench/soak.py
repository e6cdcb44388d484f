"""A storm with crashes: 600 signed PagerDuty events for 150 incidents (30% duplicate deliveries)
from 8 senders, while `llmbot serve` is killed with SIGKILL three times and restarted on the same
state file. Senders retry an unanswered delivery as PagerDuty does. At the end it prints what was
lost, duplicated or stuck (all must be 0) and the webhook -> root-post latency p50/p99.
Usage: python bench/soak.py [--incidents 150] [--events 600] [--kills 3] [--pace 1.0]"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

import requests

from bot.state import Store
from sandbox import pagerduty_sender as pd
from sandbox.bot_process import BotProcess
from sandbox.platform import PAGERDUTY_WEBHOOK_SECRETS, Sandbox

KINDS = ("incident.triggered", "incident.acknowledged", "incident.annotated", "incident.resolved")


def plan(sandbox: Sandbox, incidents: int, events: int, seed: int = 11) -> tuple[list[list], dict[str, str]]:
    """Per sender, its deliveries (incident id, webhook id, body) in per-incident order, with duplicates;
    and the status each incident must end in."""
    rng, unique = random.Random(seed), round(events * 0.7)
    paged = [
        sandbox.pagerduty.page(rng.choice(["P0", "P1", "P2", "P3"]), f"soak alert {i}")
        for i in range(incidents)
    ]
    queues: list[list] = [[] for _ in range(8)]
    expected: dict[str, str] = {}
    for n in range(unique):
        i, step = n % incidents, n // incidents
        incident = paged[i]
        data = pd.webhook_data(incident)
        kind = KINDS[min(step, len(KINDS) - 1)]
        if kind == "incident.annotated":
            data = pd.note_data(incident["id"], incident["title"], f"PNSOAK{i}x{step}", "looking into it")
        elif kind != "incident.triggered":
            data["status"] = kind.split(".")[1]
        body = pd.event(kind, data, agent=None if step == 0 else "PUSER01")
        queues[i % 8].append((incident["id"], f"soak-{n}", body))
        if kind != "incident.annotated":
            expected[incident["id"]] = kind.split(".")[1]
    for _ in range(events - unique):  # a retry repeats an earlier delivery, id and body, later on
        queue = rng.choice([q for q in queues if q])
        at = rng.randrange(len(queue))
        queue.insert(rng.randrange(at + 1, len(queue) + 1), queue[at])
    return queues, expected


def send_all(bot: BotProcess, queues: list[list], accepted: dict[str, float]) -> None:
    lock = threading.Lock()

    def sender(queue):
        session = requests.Session()
        for incident_id, webhook_id, body in queue:
            while True:  # PagerDuty retries an unanswered delivery until it gets a 2xx
                try:
                    headers = pd.headers(list(PAGERDUTY_WEBHOOK_SECRETS), body, webhook_id)
                    answer = session.post(
                        f"{bot.url}/pagerduty/webhook", data=body, headers=headers, timeout=5
                    )
                    if answer.ok:
                        with lock:
                            accepted.setdefault(incident_id, time.time())
                        break
                except requests.RequestException:
                    pass
                time.sleep(0.2)

    threads = [threading.Thread(target=sender, args=(q,)) for q in queues]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


def killer(bot: BotProcess, kills: int, every: float, done: threading.Event) -> None:
    for _ in range(kills):
        if done.wait(every):
            return
        bot.kill()  # SIGKILL, as the OOM killer or a node loss would
        bot.start()


def report(
    sandbox: Sandbox, bot: BotProcess, since: int, accepted: dict[str, float], expected: dict[str, str]
) -> int:
    store = Store(bot.db)
    rows = {i.id: i for i in store.incidents(("triggered", "acknowledged", "resolved"))}
    stuck = len(
        store.jobs("pending")
        + store.jobs("running")
        + store.posts("pending")
        + store.posts("sending")
        + store.posts("unsure")
    )
    stuck += sum(e.state == "pending" for e in store.inbox())
    store.close()
    messages = [
        m
        for m in sandbox.slack.messages(channel="C0INCIDENT", after=since)
        if m["ok"] and m["kind"] == "post"
    ]
    roots = [m for m in messages if not m.get("thread_ts") and "soak alert" in (m["text"] or "")]
    per_incident = {
        i: [m for m in roots if f"#{row.number} " in m["text"]] for i, row in rows.items() if i in accepted
    }
    lost = sum(1 for i, status in expected.items() if i not in rows or rows[i].status != status)
    lost += sum(1 for found in per_incident.values() if not found)
    duplicated = sum(len(found) - 1 for found in per_incident.values() if len(found) > 1)
    latencies = sorted(found[0]["at"] - accepted[i] for i, found in per_incident.items() if found)
    print(f"incidents {len(expected)}  rows {len(rows)}  roots {len(roots)}")
    print(f"lost {lost}  duplicated {duplicated}  stuck {stuck}")
    if latencies:
        p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]
        print(f"webhook -> root post: p50 {statistics.median(latencies):.2f} s  p99 {p99:.2f} s")
    return 0 if lost == duplicated == stuck == 0 else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--incidents", type=int, default=150)
    parser.add_argument("--events", type=int, default=600)
    parser.add_argument("--kills", type=int, default=3)
    parser.add_argument(
        "--every", type=float, default=0.5, help="seconds between kills (0.5: while senders send)"
    )
    parser.add_argument(
        "--pace",
        type=float,
        default=0.0,
        help="slack.pace_seconds; 0 measures the bot, Slack's real pace (1 s) the queue",
    )
    args = parser.parse_args()
    with Sandbox(with_prometheus=False) as sandbox, tempfile.TemporaryDirectory() as tmp:
        since = max([m["seq"] for m in sandbox.slack.messages()] or [0])
        queues, expected = plan(sandbox, args.incidents, args.events)
        accepted: dict[str, float] = {}
        bot = BotProcess(sandbox, Path(tmp), slack={"pace_seconds": args.pace}).start()
        done = threading.Event()
        kills = threading.Thread(target=killer, args=(bot, args.kills, args.every, done))
        started = time.time()
        kills.start()
        send_all(bot, queues, accepted)
        print(f"{args.events} deliveries accepted in {time.time() - started:.1f} s, {args.kills} kills")
        kills.join()
        done.set()
        bot.wait_until(bot.idle, timeout=3600)
        print(f"settled after {time.time() - started:.1f} s")
        code = report(sandbox, bot, since, accepted, expected)
        bot.stop()
        return code


if __name__ == "__main__":
    sys.exit(main())
