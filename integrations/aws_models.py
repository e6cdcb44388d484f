"""What the bot knows about AWS: small models built by `integrations.aws`, so nothing outside that
module ever holds a boto3 response."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel


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
    name: str
    kind: str  # application, network, gateway
    targets: int
    healthy: int


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
