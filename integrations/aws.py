"""AWS through boto3: Cost Explorer, and the EC2, ELB and IAM reads behind the waste and security
reports. One session, explicit endpoints (the sandbox's stand-ins or real AWS), short timeouts and a
single attempt, so a throttled or dead API costs one deadline."""

from __future__ import annotations

import json
import threading
import urllib.parse
from datetime import date, timedelta

import boto3
import botocore.exceptions
from botocore.config import Config

from integrations.aws_models import (
    CostBreakdown,
    DailyCost,
    Forecast,
    LoadBalancer,
    PolicyVersion,
    ServiceCost,
    Snapshot,
    SpotRequest,
    Volume,
)
from integrations.errors import Forbidden, NotFound, Unavailable

SYSTEM = "aws"
_THROTTLED = {
    "Throttling",
    "ThrottlingException",
    "TooManyRequestsException",
    "RequestLimitExceeded",
    "LimitExceededException",
}
_DENIED = {
    "AccessDenied",
    "AccessDeniedException",
    "UnauthorizedOperation",
    "UnrecognizedClientException",
    "InvalidClientTokenId",
    "ExpiredTokenException",
}


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
        self._session = boto3.session.Session(
            aws_access_key_id=access_key_id, aws_secret_access_key=secret_access_key, region_name=region
        )
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

    def daily_costs(self, start: date, end: date) -> list[DailyCost]:
        """Unblended cost per day for [start, end)."""
        response = _call(
            "Cost Explorer",
            self._ce.get_cost_and_usage,
            TimePeriod={"Start": start.isoformat(), "End": end.isoformat()},
            Granularity="DAILY",
            Metrics=["UnblendedCost"],
        )
        return [_daily(item) for item in response.get("ResultsByTime", [])]

    def cost_on(self, day: date) -> DailyCost | None:
        """One day's cost, or None when Cost Explorer has no figure for it yet."""
        for item in self.daily_costs(day, day + timedelta(days=1)):
            if item.day == day:
                return item
        return None

    def costs_by_service(self, start: date, end: date) -> CostBreakdown:
        """Unblended cost per service over [start, end), largest first."""
        totals: dict[str, float] = {}
        estimated, request = False, {}
        while True:
            page = _call(
                "Cost Explorer",
                self._ce.get_cost_and_usage,
                **request,
                TimePeriod={"Start": start.isoformat(), "End": end.isoformat()},
                Granularity="DAILY",
                Metrics=["UnblendedCost"],
                GroupBy=[{"Type": "DIMENSION", "Key": "SERVICE"}],
            )
            for item in page.get("ResultsByTime", []):
                estimated = estimated or bool(item.get("Estimated"))
                for group in item.get("Groups", []):
                    amount = float(group["Metrics"]["UnblendedCost"]["Amount"])
                    totals[group["Keys"][0]] = totals.get(group["Keys"][0], 0.0) + amount
            if not page.get("NextPageToken"):
                break
            request = {"NextPageToken": page["NextPageToken"]}
        services = sorted((ServiceCost(service=k, usd=v) for k, v in totals.items()), key=lambda c: -c.usd)
        return CostBreakdown(start=start, end=end, services=services, estimated=estimated)

    def cost_forecast(self, start: date, end: date) -> Forecast:
        """Cost Explorer's forecast of unblended cost over [start, end), with an 80% interval."""
        response = _call(
            "Cost Explorer",
            self._ce.get_cost_forecast,
            TimePeriod={"Start": start.isoformat(), "End": end.isoformat()},
            Metric="UNBLENDED_COST",
            Granularity="MONTHLY",
            PredictionIntervalLevel=80,
        )
        rows = response.get("ForecastResultsByTime", [])
        low = sum(
            float(r["PredictionIntervalLowerBound"]) for r in rows if "PredictionIntervalLowerBound" in r
        )
        high = sum(
            float(r["PredictionIntervalUpperBound"]) for r in rows if "PredictionIntervalUpperBound" in r
        )
        return Forecast(
            start=start,
            end=end,
            usd=float(response["Total"]["Amount"]),
            low=low if rows else None,
            high=high if rows else None,
        )

    def unattached_volumes(self) -> list[Volume]:
        ec2 = self._client("ec2")
        pages = _pages(
            "EC2", ec2.describe_volumes, "Volumes", Filters=[{"Name": "status", "Values": ["available"]}]
        )
        return [
            Volume(
                id=v["VolumeId"],
                size_gib=v["Size"],
                volume_type=v.get("VolumeType", "standard"),
                created=v.get("CreateTime"),
            )
            for v in pages
        ]

    def own_snapshots(self) -> list[Snapshot]:
        ec2 = self._client("ec2")
        pages = _pages("EC2", ec2.describe_snapshots, "Snapshots", OwnerIds=["self"])
        return [
            Snapshot(
                id=s["SnapshotId"],
                size_gib=s.get("VolumeSize", 0),
                started=s["StartTime"],
                description=s.get("Description", ""),
            )
            for s in pages
        ]

    def load_balancers(self) -> list[LoadBalancer]:
        """Every ELBv2 load balancer with how many of its registered targets are healthy."""
        elb = self._client("elbv2")
        found = []
        for lb in _pages(
            "Elastic Load Balancing", elb.describe_load_balancers, "LoadBalancers", token="Marker"
        ):
            groups = _call(
                "Elastic Load Balancing", elb.describe_target_groups, LoadBalancerArn=lb["LoadBalancerArn"]
            ).get("TargetGroups", [])
            states = [
                t.get("TargetHealth", {}).get("State")
                for g in groups
                for t in _call(
                    "Elastic Load Balancing", elb.describe_target_health, TargetGroupArn=g["TargetGroupArn"]
                ).get("TargetHealthDescriptions", [])
            ]
            found.append(
                LoadBalancer(
                    name=lb["LoadBalancerName"],
                    kind=lb.get("Type", "application"),
                    targets=len(states),
                    healthy=states.count("healthy"),
                )
            )
        return found

    def active_spot_requests(self) -> list[SpotRequest]:
        ec2 = self._client("ec2")
        raw = _call(
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
        policies = _pages("IAM", iam.list_policies, "Policies", token="Marker", Scope="Local")
        policy = next((p for p in policies if p["PolicyName"] == name), None)
        if policy is None:
            raise NotFound(SYSTEM, f"IAM has no customer-managed policy named {name}")
        version = _call(
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


def _pages(api: str, method, key: str, token: str = "NextToken", **kwargs) -> list[dict]:
    """Every item under `key` across pages; at most 20 pages, so a runaway listing stays bounded."""
    items: list[dict] = []
    for _ in range(20):
        page = _call(api, method, **kwargs)
        items += page.get(key, [])
        following = page.get("NextMarker" if token == "Marker" else token)
        if not following:
            break
        kwargs[token] = following
    return items


def _daily(item: dict) -> DailyCost:
    amount = item.get("Total", {}).get("UnblendedCost", {}).get("Amount", "0")
    return DailyCost(
        day=date.fromisoformat(item["TimePeriod"]["Start"]),
        usd=float(amount),
        estimated=bool(item.get("Estimated", False)),
    )


def _call(api: str, method, **kwargs) -> dict:
    try:
        return method(**kwargs)
    except botocore.exceptions.ClientError as exc:
        code = exc.response.get("Error", {}).get("Code", "")
        if code in _THROTTLED:
            raise Unavailable(
                SYSTEM, f"{api} is throttling requests ({code}); try again in a minute"
            ) from None
        if code in _DENIED:
            raise Forbidden(SYSTEM, f"{api} refused our credentials ({code}); check the IAM role") from None
        raise Unavailable(SYSTEM, f"{api} answered {code or 'an error'}") from None
    except (botocore.exceptions.ConnectTimeoutError, botocore.exceptions.ReadTimeoutError):
        raise Unavailable(SYSTEM, f"{api} did not answer in time") from None
    except botocore.exceptions.EndpointConnectionError:
        raise Unavailable(SYSTEM, f"{api} could not be reached") from None
    except botocore.exceptions.NoCredentialsError:
        raise Forbidden(SYSTEM, "no AWS credentials found; configure the IAM role (IRSA)") from None
    except botocore.exceptions.BotoCoreError as exc:
        raise Unavailable(SYSTEM, f"{api} failed ({type(exc).__name__})") from None
