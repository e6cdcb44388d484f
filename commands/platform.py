"""What the operations manual says a healthy platform is: names, budget, limits and the PromQL
behind each number. Loaded from the `platform`, `queries` and `links` sections of the config."""

from pydantic import BaseModel, Field, HttpUrl

from commands.blockkit import link


class Queries(BaseModel):
    """The manual's PromQL; each may be overridden in config."""

    model_config = {"extra": "forbid"}

    error_rate: str = "sum(rate(vllm_request_errors_total[5m])) / sum(rate(vllm_requests_total[5m]))"
    p95_latency_seconds: str = (
        "histogram_quantile(0.95, sum(rate(vllm_request_latency_seconds_bucket[5m])) by (le))"
    )
    throughput_rps: str = "sum(rate(vllm_requests_total[5m]))"
    gpu_utilization_percent: str = "avg(DCGM_FI_DEV_GPU_UTIL)"
    # alerts that fired in the last 24 h, by name and severity (the value: how many of each)
    alerts_fired_24h: str = 'count by (alertname, severity) (max_over_time(ALERTS{alertstate="firing"}[24h]))'


class Platform(BaseModel):
    model_config = {"extra": "forbid"}

    namespace: str = "llm-inference"
    deployments: list[str] = Field(default_factory=lambda: ["vllm-llama-3-70b", "rag-service"])
    daily_budget_usd: float = Field(3500.0, gt=0)
    budget_tolerance: float = Field(0.10, ge=0, le=1, description="fraction above budget still accepted")
    error_rate_limit: float = Field(0.01, gt=0, le=1)
    p95_latency_limit_seconds: float = Field(3.0, gt=0)
    gpu_utilization_high_percent: float = Field(90.0, gt=0, le=100)
    node_cpu_limit_percent: float = Field(85.0, gt=0, le=100)
    node_memory_limit_percent: float = Field(85.0, gt=0, le=100)
    max_replicas: int = Field(10, ge=1, le=100, description="upper bound for /llm scale")
    rollout_timeout_seconds: float = Field(900, gt=0, description="how long a change follows a rollout")
    rollout_poll_seconds: float = Field(2.0, gt=0)
    rollout_crash_grace_seconds: float = Field(
        60, ge=0, description="new pods crash-looping this long fail a rollout"
    )
    status_deadline_seconds: float = Field(2.5, gt=0, le=2.8, description="whole answer within Slack's 3 s")
    gpu_hot_celsius: float = Field(83.0, gt=0, description="a GPU above this temperature is flagged hot")
    gpu_idle_percent: float = Field(
        5.0, ge=0, le=100, description="a GPU at or below this utilisation is idle"
    )
    allowed_registries: list[str] = Field(
        default_factory=lambda: ["vllm/", "ghcr.io/example/", "qdrant/"],
        description="image prefixes the security audit accepts",
    )
    spot_price_ratio: float = Field(
        3.0, ge=1, description="on-demand price ÷ spot price, for /llm cost spot's saving estimate"
    )
    vllm_deployment: str = Field("vllm-llama-3-70b", description="what /llm scale-down drains")
    gpu_nodegroup: str = Field("a100-node-group", description="the EKS node group /llm scale-down shrinks")
    scale_down_replicas: int = Field(1, ge=0, description="/llm scale-down's default replica count")
    node_ready_timeout_seconds: float = Field(
        600, gt=0, description="how long a node group scale-up waits for its nodes to be Ready"
    )
    drain_timeout_seconds: float = Field(
        300, gt=0, description="how long /llm scale-down waits for drained pods to terminate"
    )
    iam_policy_name: str = Field(
        "LLM-Platform-Policy", description="the platform's IAM policy, audited (the manual's name)"
    )


LINK_LABELS = {
    "grafana": "Grafana",
    "prometheus": "Prometheus",
    "cost_explorer": "Cost Explorer",
    "runbook": "Runbook",
}


class PageLink(BaseModel):
    label: str
    url: str


class Links(BaseModel):
    """The `links` section: pages the manual points at, shown where it points at them."""

    model_config = {"extra": "forbid"}

    grafana: HttpUrl | None = Field(None, description="the platform's Grafana dashboard")
    prometheus: HttpUrl | None = Field(None, description="Prometheus's web UI, for links to expressions")
    cost_explorer: HttpUrl | None = Field(None, description="the AWS Cost Explorer view finance reads")
    runbook: HttpUrl | None = Field(None, description="the operations manual")

    def pick(self, *names: str) -> list[PageLink]:
        """The configured ones of `names`, in that order."""
        return [
            PageLink(label=LINK_LABELS[name], url=str(getattr(self, name)))
            for name in names
            if getattr(self, name) is not None
        ]


def linked(links: list[PageLink]) -> str:
    """mrkdwn: the links side by side ("" when none is configured)."""
    return " · ".join(link(page.url, page.label) for page in links)
