"""The state store: one SQLite file (WAL). Callers read through Store's methods, grouped by row
family, and change state by committing Effects (bot/state/effects.py) whose Writes the row-family
modules build; a Postgres backend is a second package of the same shape, not a rewrite."""

from bot.state.alerts import AlertRows
from bot.state.approvals import Approval, ApprovalRows, Vote
from bot.state.audit import AuditEntry, AuditRows
from bot.state.base import Database, SchemaTooOld
from bot.state.commit import Commits, Committed
from bot.state.effects import NOTHING, CancelTimer, Effects, NewJob, SetTimer, Write
from bot.state.incidents import Incident, IncidentRows
from bot.state.index_batches import IndexBatchRows
from bot.state.jobs import Job, JobResult, JobRows
from bot.state.kube_problems import KubeProblemRows
from bot.state.maintenance import Drain, MaintenanceRows, WindowRow
from bot.state.outbox import OutboxItem, OutboxRows, Post
from bot.state.pd_inbox import InboxRows
from bot.state.requests import RequestRows
from bot.state.timers import Timer, TimerRows


class Store(
    Commits,
    AuditRows,
    JobRows,
    OutboxRows,
    TimerRows,
    ApprovalRows,
    IncidentRows,
    InboxRows,
    MaintenanceRows,
    IndexBatchRows,
    RequestRows,
    AlertRows,
    KubeProblemRows,
    Database,
):
    """Every row family on one connection."""


__all__ = [
    "Approval",
    "AuditEntry",
    "CancelTimer",
    "Committed",
    "Drain",
    "Effects",
    "Incident",
    "Job",
    "JobResult",
    "NOTHING",
    "NewJob",
    "OutboxItem",
    "Post",
    "SchemaTooOld",
    "SetTimer",
    "Store",
    "Timer",
    "Vote",
    "WindowRow",
    "Write",
]
