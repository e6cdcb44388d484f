"""One boto3 call or a bounded listing, with botocore's failures turned into our errors, and the boto3
session they start from; shared by the AWS clients (costs, EC2/ELB/IAM reads, EKS, S3)."""

from __future__ import annotations

import boto3
import botocore.exceptions
import botocore.loaders
import botocore.session

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


# botocore reads each service's model (JSON, up to a few MB) once per session; one loader for the
# process keeps them read once (a client costs ~90 ms less, and the models live in memory once)
_LOADER = botocore.loaders.create_loader()


def session(region: str, access_key_id: str | None, secret_access_key: str | None) -> boto3.session.Session:
    """A boto3 session with these credentials (None: the default chain, IRSA in the cluster)."""
    core = botocore.session.get_session()
    core.register_component("data_loader", _LOADER)
    return boto3.session.Session(
        aws_access_key_id=access_key_id,
        aws_secret_access_key=secret_access_key,
        region_name=region,
        botocore_session=core,
    )


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
