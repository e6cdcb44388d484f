"""A Kubernetes problem as a Slack message: what, where, which pods and how often, what Kubernetes
said, since when and whether it is over, with Logs / Events / Describe buttons whose answers go into
its thread. Names, reasons and messages from the cluster are escaped. Action ids are constants."""

from __future__ import annotations

from bot.state.kube_problems import KubeProblem
from bot.watch.problems import REASONS, Reason
from commands.blockkit import actions, button, code, context, escape, section, when

LOGS, EVENTS, DESCRIBE = "kube-problem:logs", "kube-problem:events", "kube-problem:describe"
SHOWN_PODS = 8
CRASHING = ("CrashLoopBackOff", "OOMKilled")  # where restarts are the story


def value(problem: KubeProblem) -> str:
    """What a button carries: the row, by its natural key."""
    return f"{problem.kind}/{problem.name}|{problem.reason}"


def render(problem: KubeProblem, quiet_minutes: float) -> tuple[str, list[dict]]:
    reason = REASONS.get(problem.reason, Reason("⚠️", problem.reason, "it is over"))
    over = problem.state == "resolved"
    icon = "✅" if over else reason.icon
    where = f" in {code(problem.namespace)}" if problem.namespace else ""
    head = f"{icon} *{escape(reason.title)}* · {problem.kind.lower()} {code(problem.name)}{where}"
    text = f"{icon} {reason.title}: {problem.kind.lower()} {escape(problem.name)}" + (
        " (resolved)" if over else ""
    )
    blocks = [section(head + _tally(problem))]
    if problem.detail:
        blocks.append(section("> " + escape(problem.detail).replace("\n", "\n> ")))
    blocks += [context(_status(problem, quiet_minutes)), _buttons(problem)]
    return text, blocks


def _tally(problem: KubeProblem) -> str:
    if problem.kind == "Node" or not problem.members:
        return ""
    pods = sorted(problem.members.items(), key=lambda item: (-item[1], item[0]))
    crashing = problem.reason in CRASHING
    lines = [f"• {code(name)}" + (f": {_restarts(n)}" if crashing else "") for name, n in pods[:SHOWN_PODS]]
    if len(pods) > SHOWN_PODS:
        lines.append(f"…and {len(pods) - SHOWN_PODS} more")
    count = f"{len(pods)} pod{'s' if len(pods) != 1 else ''}" + (
        f" · {_restarts(problem.restarts)}" if crashing else ""
    )
    return f"\n*{count}*\n" + "\n".join(lines)


def _restarts(n: int) -> str:
    return f"{n} restart{'s' if n != 1 else ''}"


def _status(problem: KubeProblem, quiet_minutes: float) -> str:
    since = f"First seen {when(problem.first_seen)}"
    if problem.state == "resolved" and problem.resolved_at:
        return f"✅ Resolved {when(problem.resolved_at)}: {escape(problem.resolution)} · {since}"
    back = f" · came back {problem.recurrences}× within {quiet_minutes:g} min" if problem.recurrences else ""
    return f"{since} · last seen {when(problem.last_seen)}{back}"


def _buttons(problem: KubeProblem) -> dict:
    targets = [("Events", EVENTS), ("Describe", DESCRIBE)]
    if problem.kind != "Node":
        targets.insert(0, ("Logs", LOGS))
    return actions([button(label, action, value(problem)) for label, action in targets])
