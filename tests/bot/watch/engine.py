"""The watch engine on a state file, without HTTP or threads: watch events stepped and committed
through the store as the watch threads do, the Effects each step returned kept for asserts."""

from __future__ import annotations

from datetime import datetime, timezone

from bot.clock import ManualClock
from bot.config import WatchSettings
from bot.state import Effects, Store
from bot.watch.engine import Problems
from bot.watch.ledger import Ledger
from integrations.kube_models import WatchEvent
from tests.bot.watch.objects import NS

CHANNEL = "C0ALERTS"
START = datetime(2025, 3, 1, 10, 0, tzinfo=timezone.utc)


class Engine:
    def __init__(self, db, **settings):
        self.clock = ManualClock(START)
        self.store = Store(db)
        self.settings = WatchSettings(**settings)
        ledger = Ledger(self.store, self.settings, CHANNEL, NS, self.clock)
        self.problems = Problems(self.store, ledger, self.settings.gpu_label, self.clock)

    def see(self, event: WatchEvent) -> Effects:
        """One watch event, stepped and committed as one transaction."""
        fx, done = self.store.run_step(lambda: self.problems.step(event), self.clock.time())
        assert done is not None
        return fx

    def later(self, seconds: float) -> "Engine":
        self.clock.advance(seconds)
        return self


def posts(fx: Effects, method: str = "chat.postMessage") -> list:
    return [p for p in fx.posts if p.method == method]


def words(post) -> str:
    """Every text a reader sees in a post's blocks."""
    found = []
    for block in post.body.get("blocks", []):
        if isinstance(block.get("text"), dict):
            found.append(block["text"]["text"])
        found += [e["text"] for e in block.get("elements", []) if isinstance(e.get("text"), str)]
        found += [e["text"]["text"] for e in block.get("elements", []) if isinstance(e.get("text"), dict)]
    return "\n".join(found)
