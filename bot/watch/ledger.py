"""How one problem's row and message move when the watch sees it (again) or sees it gone: posted once
per occurrence; edited as its pods and restarts change (counts alone at most every `edit_seconds`);
back within the quiet period, the same message says so instead of a new one; resolved in place."""

from __future__ import annotations

from bot import messages
from bot.config import WatchSettings
from bot.state import Effects, Store
from bot.state import kube_problems as rows
from bot.state.kube_problems import KubeProblem
from bot.state.outbox import ANSWER
from bot.watch import card


class Ledger:
    def __init__(self, store: Store, settings: WatchSettings, channel: str, namespace: str, clock):
        self._store, self._settings, self._clock = store, settings, clock
        self.channel, self.namespace = channel, namespace

    def apply(
        self,
        kind: str,
        name: str,
        reason: str,
        members: dict[str, int],
        detail: str,
        why: str,
        row: KubeProblem | None,
    ) -> Effects:
        """The problem as seen now: shown by `members` (empty: not shown any more, because `why`)."""
        now = self._clock.time()
        if not members:
            return self.resolve(row, why) if row and row.state == "active" else Effects()
        if row is None or (row.state == "resolved" and now - (row.resolved_at or 0) >= self._quiet):
            return self._open(kind, name, reason, members, detail, row)
        if row.state == "resolved":
            return self._recur(row, members)
        return self._refresh(row, members)

    def resolve(self, row: KubeProblem, why: str) -> Effects:
        """Over: the message says since when and why; the last tally of pods stays on it."""
        now = self._clock.time()
        done = row.model_copy(
            update={
                "state": "resolved",
                "resolved_at": now,
                "resolution": why,
                "last_seen": now,
                "edited_at": now,
            }
        )
        return self._edit(done, row)

    def explain(self, row: KubeProblem, detail: str) -> Effects:
        """What Kubernetes said about it (an event's message), shown at once."""
        if detail == row.detail:
            return Effects()
        return self._edit(row.model_copy(update={"detail": detail, "edited_at": self._clock.time()}), row)

    @property
    def _quiet(self) -> float:
        return self._settings.quiet_minutes * 60

    def _open(self, kind, name, reason, members, detail, row: KubeProblem | None) -> Effects:
        now = self._clock.time()
        problem = KubeProblem(
            kind=kind,
            name=name,
            reason=reason,
            namespace="" if kind == "Node" else self.namespace,
            occurrence=row.occurrence + 1 if row else 1,
            members=members,
            pod=_pick(kind, members),
            detail=detail,
            first_seen=now,
            last_seen=now,
            edited_at=now,
            version=row.version if row else 0,
        )
        text, blocks = card.render(problem, self._settings.quiet_minutes)
        post = messages.post(self.channel, text, blocks, key=problem.key, priority=ANSWER)
        return Effects.of(rows.put(problem, row.version if row else None), post)

    def _recur(self, row: KubeProblem, members: dict[str, int]) -> Effects:
        now = self._clock.time()
        back = row.model_copy(
            update={
                "state": "active",
                "members": members,
                "pod": _pick(row.kind, members),
                "recurrences": row.recurrences + 1,
                "resolved_at": None,
                "resolution": "",
                "last_seen": now,
                "edited_at": now,
            }
        )
        return self._edit(back, row)

    def _refresh(self, row: KubeProblem, members: dict[str, int]) -> Effects:
        if members == row.members:
            return Effects()
        now = self._clock.time()
        pod = row.pod if row.pod in members else _pick(row.kind, members)
        moved = row.model_copy(update={"members": members, "pod": pod, "last_seen": now})
        if set(members) != set(row.members) or now - row.edited_at >= self._settings.edit_seconds:
            return self._edit(moved.model_copy(update={"edited_at": now}), row)
        return Effects.of(
            rows.put(moved, row.version)
        )  # counts alone, edited lately: the next edit shows them

    def _edit(self, problem: KubeProblem, row: KubeProblem) -> Effects:
        text, blocks = card.render(problem, self._settings.quiet_minutes)
        return Effects.of(
            rows.put(problem, row.version), messages.update(self.channel, problem.key, text, blocks)
        )


def _pick(kind: str, members: dict[str, int]) -> str:
    """The pod the buttons look at: the one that restarted most."""
    if kind == "Node" or not members:
        return ""
    return max(sorted(members), key=lambda name: members[name])
