"""The composition root: builds every client, the store, the worker, the outbox and the HTTP app
once from Settings, and starts and stops them together. Nothing else constructs a client."""

from __future__ import annotations

import logging
import threading
from concurrent.futures import ThreadPoolExecutor

import waitress
from slack_sdk import WebClient

from bot.approvals import EXPIRE, Approvals
from bot.backup_schedule import TIMER as BACKUP_TIMER
from bot.backup_schedule import DailyBackup
from bot.calendar import METRICS_JOB, Calendar
from bot.canary_watch import JOB as CANARY_JOB
from bot.canary_watch import TIMER as CANARY_TIMER
from bot.canary_watch import CanaryWatch
from bot.clock import SystemClock
from bot.config import Settings
from bot.jobs import JobKinds
from bot.metrics import Metrics
from bot.oncall import OnCall
from bot.outbox import Outbox
from bot.rbac import Rbac
from bot.reviews import OCCURRENCE, REVIEW_JOB, Reviews
from bot.scheduler import Scheduler
from bot.server import HttpApp
from bot.slack import Buttons, SlashCommands, build_bolt
from bot.state import Store
from bot.worker import Worker
from commands import smoke
from commands.deps import Deps
from integrations.aws import AwsClient
from integrations.eks import EksClient
from integrations.kube import KubeClient
from integrations.pagerduty import PagerDutyClient
from integrations.prometheus import PrometheusClient
from integrations.qdrant import QdrantClient
from integrations.rag import RagClient
from integrations.s3 import S3Client

log = logging.getLogger(__name__)

GROUP_REFRESH_SECONDS = 300


def _secret(value) -> str | None:
    return value.get_secret_value() if value is not None else None


def build_deps(settings: Settings, clock=None) -> Deps:
    """The clients every command gets; also what `llmbot status` uses without Slack."""
    clock = clock or SystemClock()
    k, p, a = settings.kubernetes, settings.prometheus, settings.aws
    return Deps(
        kube=KubeClient(str(k.kubeconfig) if k.kubeconfig else None, k.context, k.timeout_seconds),
        prom=PrometheusClient(str(p.url), p.timeout_seconds),
        aws=AwsClient(
            a.region,
            str(a.endpoint_url) if a.endpoint_url else None,
            _secret(a.access_key_id),
            _secret(a.secret_access_key),
            a.timeout_seconds,
            endpoints={service: str(url) for service, url in a.endpoints.items()},
        ),
        eks=EksClient(
            a.region,
            str(a.endpoint_url) if a.endpoint_url else None,
            _secret(a.access_key_id),
            _secret(a.secret_access_key),
            a.timeout_seconds,
        ),
        cluster=a.cluster_name,
        canary=settings.canary,
        platform=settings.platform,
        queries=settings.queries,
        pool=ThreadPoolExecutor(max_workers=16, thread_name_prefix="backend"),
        now=clock.now,
        qdrant=QdrantClient(str(settings.backups.qdrant_url), settings.backups.timeout_seconds),
        rag=RagClient(str(settings.indexing.rag_url), settings.indexing.timeout_seconds),
        s3=S3Client(
            a.region,
            str(a.endpoints.get("s3") or a.endpoint_url or "") or None,
            _secret(a.access_key_id),
            _secret(a.secret_access_key),
            max(a.timeout_seconds, 10.0),
        ),
        backups=settings.backups,
        indexing=settings.indexing,
    )


class Bot:
    """Every part of the running bot, built once; the tables below are the whole wiring: which job
    kinds, timer kinds, in-ack verbs and button prefixes exist, and who handles each."""

    def __init__(self, settings: Settings, clock=None):
        self.settings = settings
        self.clock = clock or SystemClock()
        self.metrics = Metrics()
        self.store = Store(settings.state.db)
        self.deps = build_deps(settings, self.clock)
        self.deps.on_backend_error = lambda system: self.metrics.backend_errors.labels(system).inc()
        self.slack = WebClient(
            token=_secret(settings.slack.bot_token), base_url=str(settings.slack.api_url), timeout=5
        )
        self.rbac = Rbac(settings.rbac)
        self.worker = Worker(self.store, self.metrics, settings.server.workers, self.clock)
        self.outbox = Outbox(self.store, self.slack, self.metrics, self.clock)
        self._build_engines(settings)
        self.worker.handlers = self._job_handlers()
        self.worker.on_finished = self.outbox.poke
        self.scheduler = Scheduler(self.store, self._timer_handlers(), self.clock)
        self.bolt = build_bolt(
            _secret(settings.slack.signing_secret), self.slack, self._slash_commands(), self._buttons()
        )
        self.http = HttpApp(self.bolt, self.store, self.metrics, pagerduty=self.oncall.intake)
        self._stopping = threading.Event()

    def _build_engines(self, settings: Settings) -> None:
        submit, poke = self.worker.submit, self.outbox.poke
        channel = settings.slack.platform_channel
        self.calendar = Calendar(
            self.store,
            settings.maintenance,
            channel,
            settings.platform.namespace,
            self.clock,
            poke,
            lambda: smoke.metrics_check(self.deps),
        )
        self.calendar.submit = submit
        self.deps.calendar = self.calendar  # maintenance commands read windows and recorded counts
        self.deps.index_ledger = self.store  # /llm index records the batches it sent
        self.reviews = Reviews(
            self.store,
            settings.schedules,
            settings.maintenance,
            settings.reviews,
            channel,
            self.deps,
            self.clock,
            submit,
        )
        self.calendar.recurring = self.reviews.upcoming
        self.approvals = Approvals(
            self.store, settings.approvals, self.rbac, self.deps, self.clock, submit, poke
        )
        self.canary_watch = CanaryWatch(self.store, self.deps, self.clock, submit)
        self.approvals.after_success["canary start"] = self.canary_watch.start
        self.daily_backup = DailyBackup(self.store, settings.backups, channel, self.clock, submit)
        pd = settings.pagerduty
        self.pagerduty = PagerDutyClient(
            str(pd.api_url),
            _secret(pd.api_token) or "",
            pd.from_email,
            pd.timeout_seconds,
            str(pd.ca_file) if pd.ca_file else None,
        )
        self.oncall = OnCall(
            settings,
            self.store,
            self.deps,
            self.slack,
            self.rbac,
            self.clock,
            submit,
            poke,
            self.approvals,
            self.metrics,
            self.pagerduty,
        )
        self.oncall.escalation.held = self._escalation_held

    def _job_handlers(self) -> dict:
        return {
            **JobKinds(self.deps, self.metrics, self.approvals).handlers(),
            CANARY_JOB: self.canary_watch.run,
            METRICS_JOB: self.calendar.metrics_check_job,
            REVIEW_JOB: self.reviews.run_job,
            **self.oncall.job_handlers(),
        }

    def _timer_handlers(self) -> dict:
        return {
            EXPIRE: self.approvals.expire,
            CANARY_TIMER: self.canary_watch.on_timer,
            OCCURRENCE: self.reviews.on_occurrence,
            BACKUP_TIMER: self.daily_backup.on_timer,
            **self.calendar.timer_handlers(),
            **self.oncall.timer_handlers(),
        }

    def _slash_commands(self) -> SlashCommands:
        slash = SlashCommands(self.store, self.rbac, self.worker, self.metrics, self.clock)
        slash.answerers.update({**self.approvals.answerers(), **self.oncall.answerers()})
        return slash

    def _buttons(self) -> Buttons:
        buttons = Buttons(self.store, self.outbox.poke, self.clock)
        buttons.routes.update(
            {
                "approval": self.approvals.on_click,
                "rollout": self.approvals.on_click,
                "review": lambda click: self.reviews.on_click(click, self.approvals),
                **self.oncall.routes(),
            }
        )
        return buttons

    def _escalation_held(self, incident) -> bool:
        """A maintenance window is open (or the platform drained) and this service is one we hold for."""
        services = self.settings.oncall.hold_during_maintenance
        return self.calendar.escalation_held(self.clock.now()) and (
            not services or incident.service in services
        )

    def start(self) -> None:
        self.worker.start()
        self.approvals.resume()
        self.oncall.resume()
        self.outbox.start()
        self.calendar.arm()
        self.reviews.arm()
        self.daily_backup.arm()
        self.scheduler.start()
        threading.Thread(target=self._refresh_groups, name="rbac-groups", daemon=True).start()

    def stop(self) -> None:
        self._stopping.set()
        self.scheduler.stop()
        self.worker.stop()
        self.outbox.stop()
        self.deps.pool.shutdown(wait=False, cancel_futures=True)
        self.store.close()

    def _refresh_groups(self) -> None:
        """User-group membership for RBAC, read from Slack off the ack path."""
        while not self._stopping.is_set():
            for group in self.rbac.groups:
                try:
                    users = self.slack.usergroups_users_list(usergroup=group).get("users", [])
                    self.rbac.set_members(group, users)
                except Exception as exc:  # keep the last known members; try again next round
                    log.warning(
                        "could not refresh user group", extra={"group": group, "error": type(exc).__name__}
                    )
            self._stopping.wait(GROUP_REFRESH_SECONDS)


class RunningServer:
    """`llmbot serve` in a thread: the bot plus waitress on the configured (or a free) port."""

    def __init__(self, bot: Bot, host: str = "127.0.0.1", port: int = 0):
        self.bot = bot
        self.server = waitress.create_server(
            bot.http,
            host=host,
            port=port,
            threads=bot.settings.server.threads,
            ident="llmbot",
            clear_untrusted_proxy_headers=True,
        )
        self.url = f"http://{host}:{self.server.effective_port}"
        self._closing = False
        self._thread = threading.Thread(target=self._serve, name="http", daemon=True)

    def start(self) -> "RunningServer":
        self.bot.start()
        self._thread.start()
        return self

    def _serve(self) -> None:
        try:
            self.server.run()
        except OSError:  # closing the listening socket under waitress's poll loop ends it this way
            if not self._closing:
                raise

    def stop(self) -> None:
        self._closing = True
        self.server.close()  # the loop thread ends with the last open keep-alive connection
        self.bot.stop()
