"""AWS through boto3: Cost Explorer for now. One session, explicit endpoint (the sandbox's moto or
real AWS), short timeouts and a single attempt, so a throttled or dead API costs one deadline."""
from __future__ import annotations

from datetime import date, timedelta

import boto3
import botocore.exceptions
from botocore.config import Config
from pydantic import BaseModel

from integrations.errors import Forbidden, Unavailable

SYSTEM = "aws"
_THROTTLED = {"Throttling", "ThrottlingException", "TooManyRequestsException", "RequestLimitExceeded",
              "LimitExceededException"}
_DENIED = {"AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "UnrecognizedClientException",
           "InvalidClientTokenId", "ExpiredTokenException"}


class DailyCost(BaseModel):
    day: date
    usd: float
    estimated: bool


class AwsClient:
    def __init__(self, region: str, endpoint_url: str | None = None, access_key_id: str | None = None,
                 secret_access_key: str | None = None, timeout_seconds: float = 2.0):
        self._session = boto3.session.Session(
            aws_access_key_id=access_key_id, aws_secret_access_key=secret_access_key, region_name=region
        )
        self._config = Config(connect_timeout=timeout_seconds, read_timeout=timeout_seconds,
                              retries={"total_max_attempts": 1, "mode": "standard"})
        self._endpoint_url = endpoint_url
        self._ce = self._client("ce")

    def _client(self, service: str):
        return self._session.client(service, endpoint_url=self._endpoint_url, config=self._config)

    def daily_costs(self, start: date, end: date) -> list[DailyCost]:
        """Unblended cost per day for [start, end)."""
        response = _call("Cost Explorer", self._ce.get_cost_and_usage,
                         TimePeriod={"Start": start.isoformat(), "End": end.isoformat()},
                         Granularity="DAILY", Metrics=["UnblendedCost"])
        return [_daily(item) for item in response.get("ResultsByTime", [])]

    def cost_on(self, day: date) -> DailyCost | None:
        """One day's cost, or None when Cost Explorer has no figure for it yet."""
        for item in self.daily_costs(day, day + timedelta(days=1)):
            if item.day == day:
                return item
        return None


def _daily(item: dict) -> DailyCost:
    amount = item.get("Total", {}).get("UnblendedCost", {}).get("Amount", "0")
    return DailyCost(day=date.fromisoformat(item["TimePeriod"]["Start"]), usd=float(amount),
                     estimated=bool(item.get("Estimated", False)))


def _call(api: str, method, **kwargs) -> dict:
    try:
        return method(**kwargs)
    except botocore.exceptions.ClientError as exc:
        code = exc.response.get("Error", {}).get("Code", "")
        if code in _THROTTLED:
            raise Unavailable(SYSTEM, f"{api} is throttling requests ({code}); try again in a minute") from None
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
