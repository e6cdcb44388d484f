"""Settings: one YAML file validated by pydantic, with the environment overriding the keys named in
ENV_OVERRIDES. Read once at start-up by the composition root; nothing else reads the environment."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, Field, HttpUrl, PlainSerializer, SecretStr, ValidationError

from commands.calendar_settings import MaintenanceSettings, ReviewThresholds, Schedule, default_schedules
from commands.canary_analysis import CanaryPolicy
from commands.data_settings import BackupSettings, IndexingSettings
from commands.oncall_policy import OnCallPolicy
from commands.platform import Links, Platform, Queries  # Links: the commands show them too
from commands.update_settings import UpdateSettings
from integrations.aws_models import CostFilter

Role = Literal["viewer", "operator", "approver"]

# environment variable -> key path in the YAML document
ENV_OVERRIDES: dict[str, tuple[str, ...]] = {
    "SLACK_BOT_TOKEN": ("slack", "bot_token"),
    "SLACK_SIGNING_SECRET": ("slack", "signing_secret"),
    "LLMBOT_SLACK_API_URL": ("slack", "api_url"),
    "PAGERDUTY_API_TOKEN": ("pagerduty", "api_token"),
    "PAGERDUTY_WEBHOOK_SECRETS": ("pagerduty", "webhook_secrets"),
    "LLMBOT_PORT": ("server", "port"),
    "LLMBOT_DB": ("state", "db"),
    "SLACK_APP_TOKEN": ("slack", "app_token"),
    "LLMBOT_ALERTMANAGER_URL": ("alertmanager", "url"),
    "LLMBOT_ALERTMANAGER_TOKEN": ("alertmanager", "webhook_token"),
}


class Section(BaseModel):
    model_config = {"extra": "forbid"}


class SlackSettings(Section):
    bot_token: SecretStr | None = None
    signing_secret: SecretStr | None = None
    app_token: SecretStr | None = Field(None, description="xapp-… app-level token, for Socket Mode")
    socket_mode: bool = Field(False, description="receive Slack's requests over Socket Mode instead of HTTP")
    api_url: HttpUrl = HttpUrl("https://slack.com/api/")
    platform_channel: str = Field(
        "llm-platform", description="#llm-platform: an id (C…) is best; a name works"
    )
    incident_channel: str = Field("incident-response", description="#incident-response: an id (C…) is best")
    alerts_channel: str = Field("llm-platform-alerts", description="#llm-platform-alerts: an id (C…) is best")
    pace_seconds: float = Field(
        1.0, ge=0, le=10, description="posts per channel at most one per this many seconds"
    )
    timeout_seconds: float = Field(5.0, gt=0, le=30, description="how long one Web API call may take")


class AlertmanagerSettings(Section):
    url: HttpUrl | None = Field(
        None, description="Alertmanager's API (silences, alerts); None: Prometheus only"
    )
    webhook_token: SecretStr | None = Field(None, description="the bearer token Alertmanager's webhook sends")
    timeout_seconds: float = Field(3.0, gt=0, le=30)


class ServerSettings(Section):
    host: str = "0.0.0.0"
    port: int = Field(3000, ge=0, le=65535)
    threads: int = Field(
        8,
        ge=1,
        le=64,
        description="unused: acks run on the HTTP loop's own thread; "
        "accepted so older config files still load",
    )
    workers: int = Field(4, ge=1, le=32, description="threads running commands after the ack")
    health_port: int | None = Field(
        3001,
        ge=0,
        le=65535,
        description="a listener of its own for /healthz and /readyz (the kubelet's probes); "
        "null: only on the main port",
    )


class StateSettings(Section):
    db: Path = Path("llmbot.db")
    keep_days: float = Field(
        30, gt=0, description="finished jobs, sent posts and applied webhooks kept this long"
    )


class KubernetesSettings(Section):
    kubeconfig: Path | None = Field(None, description="None: in-cluster service account")
    context: str | None = None
    timeout_seconds: float = Field(2.0, gt=0, le=30)


class PrometheusSettings(Section):
    url: HttpUrl = HttpUrl("http://prometheus-server.monitoring:9090")
    timeout_seconds: float = Field(2.0, gt=0, le=30)


def _as_aws_writes_it(expression: CostFilter | None) -> dict | None:
    return expression.expression() if expression is not None else None


class AwsSettings(Section):
    region: str = "us-west-2"
    endpoint_url: HttpUrl | None = Field(None, description="None: the real AWS endpoints")
    endpoints: dict[str, HttpUrl] = Field(default_factory=dict, description="per-service overrides, e.g. ce")
    access_key_id: SecretStr | None = Field(None, description="None: the default credential chain (IRSA)")
    secret_access_key: SecretStr | None = None
    cluster_name: str = "llm-platform-production"
    timeout_seconds: float = Field(2.0, gt=0, le=30)
    cost_filter: Annotated[CostFilter | None, PlainSerializer(_as_aws_writes_it)] = Field(
        None,
        description="the platform's share of the account (the manual's cost-filter.json, a Cost Explorer "
        'Expression), e.g. {"Tags": {"Key": "Project", "Values": ["llm-platform"]}}; null: the whole account',
    )


class PagerDutySettings(Section):
    api_url: HttpUrl = HttpUrl("https://api.pagerduty.com")
    api_token: SecretStr | None = None
    webhook_secrets: list[SecretStr] = Field(default_factory=list)
    from_email: str = Field("", description="From for calls the bot makes itself (escalation)")
    ca_file: Path | None = Field(
        None, description="extra CA bundle to trust (the sandbox's self-signed cert)"
    )
    timeout_seconds: float = Field(3.0, gt=0, le=30)


class RbacSettings(Section):
    default_role: Role | None = Field("viewer", description="role of users not listed; null refuses them")
    users: dict[str, Role] = Field(default_factory=dict, description="Slack user id -> role")
    groups: dict[str, Role] = Field(default_factory=dict, description="Slack user-group id -> role")


class ApprovalPolicy(Section):
    required: int = Field(1, ge=0, le=5, description="approvals needed; 0 runs the change without one")
    roles: list[Role] = Field(default_factory=lambda: ["approver"], description="roles that may approve")
    users: list[str] = Field(
        default_factory=list, description="Slack user ids that may approve whatever their role"
    )
    groups: list[str] = Field(default_factory=list, description="Slack user groups whose members may approve")
    allow_self: bool = Field(False, description="may the requester approve their own request")
    expiry_minutes: float = Field(30, gt=0, le=24 * 60)


class ApprovalSettings(Section):
    default: ApprovalPolicy = Field(default_factory=ApprovalPolicy)
    commands: dict[str, ApprovalPolicy] = Field(
        # backups and indexing write data, not serving config: audited and run by the engine, no approval
        default_factory=lambda: {
            "canary abort": ApprovalPolicy(required=0),
            "backup qdrant": ApprovalPolicy(required=0),
            "index": ApprovalPolicy(required=0),
        },
        description="per command name, e.g. 'canary promote'; unset keys fall back to default",
    )

    def policy(self, command: str) -> ApprovalPolicy:
        return self.commands.get(command, self.default)


class WatchSettings(Section):
    """The Kubernetes watch: pods and Warning events in platform.namespace, and the nodes."""

    enabled: bool = Field(True, description="post pod and node problems to slack.alerts_channel")
    quiet_minutes: float = Field(
        10, ge=0, le=24 * 60, description="a problem back this soon after it cleared reuses its message"
    )
    edit_seconds: float = Field(
        60, ge=0, le=3600, description="a message is edited at most this often for new counts alone"
    )
    gpu_label: str = Field("nvidia.com/gpu.present", description="the label (=true) that marks a GPU node")
    watch_seconds: int = Field(300, ge=10, le=3600, description="how long one watch stream lasts")


class Settings(Section):
    slack: SlackSettings = Field(default_factory=SlackSettings)
    server: ServerSettings = Field(default_factory=ServerSettings)
    state: StateSettings = Field(default_factory=StateSettings)
    kubernetes: KubernetesSettings = Field(default_factory=KubernetesSettings)
    prometheus: PrometheusSettings = Field(default_factory=PrometheusSettings)
    aws: AwsSettings = Field(default_factory=AwsSettings)
    pagerduty: PagerDutySettings = Field(default_factory=PagerDutySettings)
    rbac: RbacSettings = Field(default_factory=RbacSettings)
    approvals: ApprovalSettings = Field(default_factory=ApprovalSettings)
    canary: CanaryPolicy = Field(default_factory=CanaryPolicy)
    platform: Platform = Field(default_factory=Platform)
    queries: Queries = Field(default_factory=Queries)
    maintenance: MaintenanceSettings = Field(default_factory=MaintenanceSettings)
    schedules: dict[str, Schedule] = Field(
        default_factory=default_schedules, description="recurring reviews by name"
    )
    reviews: ReviewThresholds = Field(default_factory=ReviewThresholds)
    oncall: OnCallPolicy = Field(default_factory=OnCallPolicy)
    backups: BackupSettings = Field(default_factory=BackupSettings)
    indexing: IndexingSettings = Field(default_factory=IndexingSettings)
    alertmanager: AlertmanagerSettings = Field(default_factory=AlertmanagerSettings)
    links: Links = Field(default_factory=Links)
    updates: UpdateSettings = Field(default_factory=UpdateSettings)
    watch: WatchSettings = Field(default_factory=WatchSettings)


class Problem(BaseModel):
    path: str
    message: str
    hint: str = ""

    def __str__(self) -> str:
        return f"{self.path}: {self.message}" + (f" ({self.hint})" if self.hint else "")


class ConfigError(Exception):
    """The configuration cannot be used; `problems` says every reason."""

    def __init__(self, problems: list[Problem]):
        super().__init__("; ".join(str(p) for p in problems))
        self.problems = problems


def load(path: str | os.PathLike | None, environ: dict[str, str] | None = None) -> Settings:
    """Read the YAML file (if any), apply the environment overrides and validate, or raise ConfigError."""
    environ = os.environ if environ is None else environ
    document = _read_yaml(path)
    _apply_env(document, environ)
    try:
        return Settings.model_validate(document)
    except ValidationError as exc:
        raise ConfigError([_problem_from(error) for error in exc.errors()]) from None


def serve_problems(settings: Settings) -> list[Problem]:
    """What `llmbot serve` needs beyond a valid document: the Slack secrets (over Socket Mode, the
    app-level token instead of the signing secret, which only signs HTTP requests)."""
    needed = {"bot_token": "SLACK_BOT_TOKEN"}
    needed.update(
        {"app_token": "SLACK_APP_TOKEN"}
        if settings.slack.socket_mode
        else {"signing_secret": "SLACK_SIGNING_SECRET"}
    )
    problems = [
        Problem(path=f"slack.{key}", message="missing", hint=f"set {env} or slack.{key} in the config")
        for key, env in needed.items()
        if not getattr(settings.slack, key)
    ]
    token = settings.slack.app_token.get_secret_value() if settings.slack.app_token else ""
    if settings.slack.socket_mode and token and not token.startswith("xapp-"):
        problems.append(
            Problem(
                path="slack.app_token",
                message="not an app-level token",
                hint="Socket Mode needs the xapp-… token from the app's Basic Information page",
            )
        )
    return problems


def _read_yaml(path: str | os.PathLike | None) -> dict[str, Any]:
    if path is None:
        return {}
    try:
        text = Path(path).read_text()
    except OSError as exc:
        raise ConfigError([Problem(path="(file)", message=f"cannot read {path}: {exc.strerror}")]) from None
    try:
        document = yaml.safe_load(text) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark else ""
        raise ConfigError([Problem(path="(file)", message=f"not valid YAML{where}")]) from None
    if not isinstance(document, dict):
        raise ConfigError([Problem(path="(file)", message="the top level must be a mapping of sections")])
    return document


def _apply_env(document: dict[str, Any], environ: dict[str, str]) -> None:
    for name, (section, key) in ENV_OVERRIDES.items():
        value = environ.get(name)
        if value is None or value == "":
            continue
        if name == "PAGERDUTY_WEBHOOK_SECRETS":
            value = [part.strip() for part in value.split(",") if part.strip()]
        target = document.setdefault(section, {})
        if isinstance(target, dict):
            target[key] = value


_HINTS = {
    "extra_forbidden": "unknown key: check the spelling against config.example.yaml",
    "url_parsing": "expected a URL such as http://127.0.0.1:9090",
    "url_scheme": "expected an http:// or https:// URL",
    "literal_error": "one of: viewer, operator, approver",
}


def _problem_from(error: dict[str, Any]) -> Problem:
    path = ".".join(str(part) for part in error["loc"]) or "(top level)"
    return Problem(path=path, message=error["msg"], hint=_HINTS.get(error["type"], ""))


def masked(settings: Settings) -> dict[str, Any]:
    """The effective settings as plain data with every secret shown as '********'."""
    return _mask(settings.model_dump(mode="python"))


def _mask(value: Any) -> Any:
    if isinstance(value, SecretStr):
        return "********" if value.get_secret_value() else ""
    if isinstance(value, dict):
        return {k: _mask(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_mask(v) for v in value]
    if isinstance(value, (Path, HttpUrl)):
        return str(value)
    return value
