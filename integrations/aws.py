"""AWS through boto3: Cost Explorer, and the EC2, ELB and IAM reads behind the waste and security
reports. One session, explicit endpoints (the sandbox's stand-ins or real AWS), short timeouts and a
single attempt, so a throttled or dead API costs one deadline."""

from __future__ import annotations

import calendar
import json
import threading
import urllib.parse
from datetime import date, datetime, timedelta, timezone

from botocore.config import Config

from integrations import aws_costs
from integrations.aws_calls import SYSTEM, call, pages
from integrations.aws_calls import session as boto_session
from integrations.aws_models import (
    EC2_COMPUTE,
    CostBreakdown,
    CostFilter,
    DailyCost,
    Forecast,
    LoadBalancer,
    PolicyVersion,
    PurchaseSplit,
    ServiceCost,
    Snapshot,
    SpotRequest,
    Volume,
    narrowed,
)
from integrations.errors import NotFound

_call = call  # the name integrations.eks and integrations.s3 import
ELB = "Elastic Load Balancing"


class AwsClient:
    def __init__(
        self,
        region: str,
        endpoint_url: str | None = None,
        access_key_id: str | None = None,
        secret_access_key: str | None = None,
        timeout_seconds: float = 2.0,
        endpoints: dict[str, str] | None = None,
    ):
        self._session = boto_session(region, access_key_id, secret_access_key)
        self._config = Config(
            connect_timeout=timeout_seconds,
            read_timeout=timeout_seconds,
            retries={"total_max_attempts": 1, "mode": "standard"},
        )
        self._endpoint_url = endpoint_url
        self._endpoints = dict(endpoints or {})  # per service ("ce", "ec2", ...), ahead of endpoint_url
        self._clients: dict[str, object] = {}
        self._lock = threading.Lock()  # a boto3 session may not build clients from two threads at once
        self._ce = self._client("ce")

    def _client(self, service: str):
        with self._lock:
            if service not in self._clients:
                self._clients[service] = self._session.client(
                    service,
                    endpoint_url=self._endpoints.get(service, self._endpoint_url),
                    config=self._config,
                )
            return self._clients[service]

    # ---- Cost Explorer: every query takes the platform's filter (None: the whole account) ----------
    def daily_costs(self, start: date, end: date, filter: CostFilter | None = None) -> list[DailyCost]:
        """Unblended cost per day for [start, end)."""
        return aws_costs.daily(self._ce, start, end, filter)

    def cost_on(self, day: date, filter: CostFilter | None = None) -> DailyCost | None:
        """One day's cost, or None when Cost Explorer has no figure for it yet."""
        for item in self.daily_costs(day, day + timedelta(days=1), filter):
            if item.day == day:
                return item
        return None

    def costs_by_service(self, start: date, end: date, filter: CostFilter | None = None) -> CostBreakdown:
        """Unblended cost per service over [start, end), largest first."""
        totals, estimated = aws_costs.grouped(self._ce, start, end, "SERVICE", filter)
        return CostBreakdown(start=start, end=end, services=_largest_first(totals), estimated=estimated)

    def month_by_service(self, month: date, filter: CostFilter | None = None) -> CostBreakdown:
        """The calendar month holding `month`, by service, largest first (MONTHLY granularity); a month
        still running is partial and `estimated`."""
        first = month.replace(day=1)
        end = first + timedelta(days=calendar.monthrange(first.year, first.month)[1])
        totals, estimated = aws_costs.grouped(self._ce, first, end, "SERVICE", filter, "MONTHLY")
        return CostBreakdown(start=first, end=end, services=_largest_first(totals), estimated=estimated)

    def daily_service(
        self, service: str, days: int, filter: CostFilter | None = None, end: date | None = None
    ) -> list[DailyCost]:
        """One service's cost per day over the `days` days before `end` (default: today, UTC), e.g.
        the manual's EC2 query: service EC2_COMPUTE, 7 days."""
        end = end or datetime.now(timezone.utc).date()
        return self.daily_costs(
            end - timedelta(days=days), end, narrowed(filter, CostFilter.service(service))
        )

    def by_purchase_type(
        self,
        start: date,
        end: date,
        filter: CostFilter | None = None,
        spot_price_ratio: float = 3.0,
        service: str | None = EC2_COMPUTE,
    ) -> PurchaseSplit:
        """Spend over [start, end) by purchase type (on demand, spot, savings plans), for `service`
        (instances by default: other services have no spot), with the spot saving estimated from
        `spot_price_ratio` (see PurchaseSplit)."""
        within = narrowed(filter, CostFilter.service(service)) if service else filter
        totals, estimated = aws_costs.grouped(self._ce, start, end, "PURCHASE_TYPE", within)
        return PurchaseSplit(
            start=start, end=end, by_type=totals, spot_price_ratio=spot_price_ratio, estimated=estimated
        )

    def cost_forecast(self, start: date, end: date, filter: CostFilter | None = None) -> Forecast:
        """Cost Explorer's forecast of unblended cost over [start, end), with an 80% interval."""
        return aws_costs.forecast(self._ce, start, end, filter)

    # ---- EC2, ELB, IAM ------------------------------------------------------------------------------
    def unattached_volumes(self) -> list[Volume]:
        ec2 = self._client("ec2")
        found = pages(
            "EC2", ec2.describe_volumes, "Volumes", Filters=[{"Name": "status", "Values": ["available"]}]
        )
        return [
            Volume(
                id=v["VolumeId"],
                size_gib=v["Size"],
                volume_type=v.get("VolumeType", "standard"),
                created=v.get("CreateTime"),
            )
            for v in found
        ]

    def own_snapshots(self) -> list[Snapshot]:
        ec2 = self._client("ec2")
        found = pages("EC2", ec2.describe_snapshots, "Snapshots", OwnerIds=["self"])
        return [
            Snapshot(
                id=s["SnapshotId"],
                size_gib=s.get("VolumeSize", 0),
                started=s["StartTime"],
                description=s.get("Description", ""),
            )
            for s in found
        ]

    def load_balancers(self) -> list[LoadBalancer]:
        """Every ELBv2 load balancer with its target groups' registered and healthy targets."""
        elb = self._client("elbv2")
        balancers = pages(ELB, elb.describe_load_balancers, "LoadBalancers", token="Marker")
        return [self._load_balancer(elb, lb) for lb in balancers]

    def _load_balancer(self, elb, lb: dict) -> LoadBalancer:
        groups = call(ELB, elb.describe_target_groups, LoadBalancerArn=lb["LoadBalancerArn"]).get(
            "TargetGroups", []
        )
        health = [
            t.get("TargetHealth", {})
            for g in groups
            for t in call(ELB, elb.describe_target_health, TargetGroupArn=g["TargetGroupArn"]).get(
                "TargetHealthDescriptions", []
            )
        ]
        registered = [h for h in health if h.get("Reason") != "Target.NotRegistered"]
        unwell = [h for h in registered if h.get("State") != "healthy"]
        return LoadBalancer(
            name=lb["LoadBalancerName"],
            kind=lb.get("Type", "application"),
            targets=len(registered),
            healthy=len(registered) - len(unwell),
            target_groups=len(groups),
            reasons=sorted({h.get("Reason") or h.get("State", "unknown") for h in unwell}),
        )

    def active_spot_requests(self) -> list[SpotRequest]:
        ec2 = self._client("ec2")
        raw = call(
            "EC2", ec2.describe_spot_instance_requests, Filters=[{"Name": "state", "Values": ["active"]}]
        ).get("SpotInstanceRequests", [])
        return [
            SpotRequest(
                id=r["SpotInstanceRequestId"],
                instance_id=r.get("InstanceId"),
                instance_type=r.get("LaunchSpecification", {}).get("InstanceType", "?"),
                max_price_usd_hour=float(r.get("SpotPrice") or 0),
            )
            for r in raw
        ]

    def managed_policy(self, name: str) -> PolicyVersion:
        """The default (current) version of the customer-managed IAM policy called `name`."""
        iam = self._client("iam")
        policies = pages("IAM", iam.list_policies, "Policies", token="Marker", Scope="Local")
        policy = next((p for p in policies if p["PolicyName"] == name), None)
        if policy is None:
            raise NotFound(SYSTEM, f"IAM has no customer-managed policy named {name}")
        version = call(
            "IAM", iam.get_policy_version, PolicyArn=policy["Arn"], VersionId=policy["DefaultVersionId"]
        )["PolicyVersion"]
        document = version["Document"]
        if isinstance(document, str):  # botocore decodes it; a raw URL-encoded string is the fallback
            document = json.loads(urllib.parse.unquote(document))
        statements = document.get("Statement", [])
        return PolicyVersion(
            name=name,
            arn=policy["Arn"],
            version_id=version["VersionId"],
            statements=statements if isinstance(statements, list) else [statements],
        )


def _largest_first(totals: dict[str, float]) -> list[ServiceCost]:
    return sorted((ServiceCost(service=k, usd=v) for k, v in totals.items()), key=lambda c: -c.usd)
