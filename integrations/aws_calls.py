"""One boto3 call or a bounded listing, with botocore's failures turned into our errors; shared by the
AWS clients (costs, EC2/ELB/IAM reads, EKS, S3)."""

from __future__ import annotations

import botocore.exceptions

from integrations.errors import Forbidden, Unavailable

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


def call(api: str, method, **kwargs) -> dict:
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


def pages(api: str, method, key: str, token: str = "NextToken", **kwargs) -> list[dict]:
    """Every item under `key` across pages; at most 20 pages, so a runaway listing stays bounded."""
    items: list[dict] = []
    for _ in range(20):
        page = call(api, method, **kwargs)
        items += page.get(key, [])
        following = page.get("NextMarker" if token == "Marker" else token)
        if not following:
            break
        kwargs[token] = following
    return items
