"""What the bot knows about AWS: small models built by `integrations.aws`, so nothing outside that
module ever holds a boto3 response."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field, computed_field, model_validator

EC2_COMPUTE = "Amazon Elastic Compute Cloud - Compute"  # Cost Explorer's SERVICE value for instances
ON_DEMAND, SPOT, SAVINGS_PLANS = "On Demand Instances", "Spot Instances", "Savings Plans"  # PURCHASE_TYPE


class DailyCost(BaseModel):
    day: date
    usd: float
    estimated: bool


class ServiceCost(BaseModel):
    service: str
    usd: float


class CostBreakdown(BaseModel):
    start: date
    end: date  # exclusive
    services: list[ServiceCost]
    estimated: bool

    @property
    def total(self) -> float:
        return sum(s.usd for s in self.services)


class Forecast(BaseModel):
    start: date
    end: date  # exclusive
    usd: float
    low: float | None
    high: float | None


class Volume(BaseModel):
    id: str
    size_gib: int
    volume_type: str
    created: datetime | None


class Snapshot(BaseModel):
    id: str
    size_gib: int
    started: datetime
    description: str


class LoadBalancer(BaseModel):
    """`targets` counts the targets registered in the balancer's target groups, `healthy` those whose
    health check passes. No target at all means nobody uses it (waste); targets but none healthy
    means it serves errors (an outage)."""

    name: str
    kind: str  # application, network, gateway
    targets: int
    healthy: int
    target_groups: int = 0
    reasons: list[str] = []  # ELB's reason codes for the targets that are not healthy, e.g. Target.Timeout

    @property
    def unused(self) -> bool:
        return self.targets == 0

    @property
    def outage(self) -> bool:
        return self.targets > 0 and self.healthy == 0


class SpotRequest(BaseModel):
    id: str
    instance_id: str | None
    instance_type: str
    max_price_usd_hour: float


class PolicyVersion(BaseModel):
    name: str
    arn: str
    version_id: str
    statements: list[dict]


class KeyValues(BaseModel):
    """Cost Explorer's DimensionValues / TagValues / CostCategoryValues."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True, frozen=True)
    key: str = Field(alias="Key")
    values: list[str] = Field(default_factory=list, alias="Values")
    match_options: list[str] | None = Field(None, alias="MatchOptions")


class CostFilter(BaseModel):
    """A Cost Explorer `Expression` (the manual's cost-filter.json), written as AWS writes it, e.g.
    `{"Tags": {"Key": "Project", "Values": ["llm-platform"]}}`: exactly one of the six keys."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True, frozen=True)
    and_: list[CostFilter] | None = Field(None, alias="And")
    or_: list[CostFilter] | None = Field(None, alias="Or")
    not_: CostFilter | None = Field(None, alias="Not")
    dimensions: KeyValues | None = Field(None, alias="Dimensions")
    tags: KeyValues | None = Field(None, alias="Tags")
    cost_categories: KeyValues | None = Field(None, alias="CostCategories")

    @model_validator(mode="after")
    def _exactly_one(self) -> CostFilter:
        given = [name for name, value in self if value is not None]
        if len(given) != 1:
            raise ValueError(
                "a cost filter has exactly one of And, Or, Not, Dimensions, Tags, CostCategories"
            )
        if given[0] in ("and_", "or_") and len(getattr(self, given[0])) < 2:
            raise ValueError("And and Or combine at least two expressions")
        return self

    @classmethod
    def service(cls, name: str) -> CostFilter:
        return cls(dimensions=KeyValues(key="SERVICE", values=[name]))

    def expression(self) -> dict:
        """The JSON Cost Explorer takes as `Filter`."""
        return self.model_dump(by_alias=True, exclude_none=True)


def narrowed(base: CostFilter | None, extra: CostFilter) -> CostFilter:
    """`extra` within `base` (the configured filter), or `extra` alone when there is no base."""
    return extra if base is None else CostFilter(and_=[base, extra])


class PurchaseSplit(BaseModel):
    """Spend by Cost Explorer's PURCHASE_TYPE over [start, end). The spot saving is an estimate:
    the same instance hours on demand would have cost `spot_price_ratio` times what spot cost, so
    on_demand_equivalent = spot × ratio and saving = spot × (ratio − 1)."""

    start: date
    end: date  # exclusive
    by_type: dict[str, float]  # PURCHASE_TYPE value -> USD
    spot_price_ratio: float  # assumed on-demand price ÷ spot price for the same instance type
    estimated: bool

    @computed_field
    @property
    def on_demand_usd(self) -> float:
        return self.by_type.get(ON_DEMAND, 0.0)

    @computed_field
    @property
    def spot_usd(self) -> float:
        return self.by_type.get(SPOT, 0.0)

    @computed_field
    @property
    def savings_plans_usd(self) -> float:
        return self.by_type.get(SAVINGS_PLANS, 0.0)

    @computed_field
    @property
    def total_usd(self) -> float:
        return sum(self.by_type.values())

    @computed_field
    @property
    def spot_share(self) -> float:
        return self.spot_usd / self.total_usd if self.total_usd else 0.0

    @computed_field
    @property
    def on_demand_equivalent_usd(self) -> float:
        return self.spot_usd * self.spot_price_ratio

    @computed_field
    @property
    def spot_saving_usd(self) -> float:
        return self.spot_usd * (self.spot_price_ratio - 1)
