"""The state store: one SQLite file (WAL). Callers see only Store's methods, grouped by row family,
so a Postgres backend is a second package of the same shape, not a rewrite."""

from bot.state.approvals import Approval, ApprovalRows, Vote
from bot.state.audit import AuditEntry, AuditRows
from bot.state.base import Database
from bot.state.incidents import Incident, IncidentRows
from bot.state.index_batches import IndexBatchRows
from bot.state.jobs import Job, JobResult, JobRows
from bot.state.maintenance import Drain, MaintenanceRows, WindowRow
from bot.state.outbox import OutboxItem, OutboxRows, Post
from bot.state.timers import Timer, TimerRows


class Store(
    AuditRows,
    JobRows,
    OutboxRows,
    TimerRows,
    ApprovalRows,
    IncidentRows,
    MaintenanceRows,
    IndexBatchRows,
    Database,
):
    """Every row family on one connection."""


__all__ = [
    "Drain",
    "WindowRow",
    "Approval",
    "AuditEntry",
    "Incident",
    "Vote",
    "Job",
    "JobResult",
    "OutboxItem",
    "Post",
    "Store",
    "Timer",
]
