"""What the operations manual says a healthy platform is: names, budget, limits and the PromQL
behind each number. Loaded from the `platform` and `queries` sections of the config."""

from pydantic import BaseModel, Field


class Queries(BaseModel):
    """The manual's PromQL; each may be overridden in config."""

    model_config = {"extra": "forbid"}

    error_rate: str = "sum(rate(vllm_request_errors_total[5m])) / sum(rate(vllm_requests_total[5m]))"
    p95_latency_seconds: str = (
        "histogram_quantile(0.95, sum(rate(vllm_request_latency_seconds_bucket[5m])) by (le))"
    )
    throughput_rps: str = "sum(rate(vllm_requests_total[5m]))"
    gpu_utilization_percent: str = "avg(DCGM_FI_DEV_GPU_UTIL)"


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
    iam_policy_name: str = Field("llm-platform-policy", description="the platform's IAM policy, audited")
