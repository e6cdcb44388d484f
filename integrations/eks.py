"""EKS managed node groups through boto3: read, list, resize and follow the resize. Built like
integrations.aws (explicit endpoint, short timeouts, one attempt) and shares its error translation."""

from __future__ import annotations

from functools import partial
from typing import Literal

import botocore.exceptions
from botocore.config import Config
from pydantic import BaseModel

from integrations.aws import SYSTEM, _call
from integrations.aws_calls import session as boto_session
from integrations.errors import IntegrationError, NotFound

API = "EKS"
UpdateState = Literal["InProgress", "Successful", "Failed", "Cancelled"]
_REJECTED = {"InvalidParameterException", "InvalidRequestException"}
_UNROUTED = {"404", "405", "501", "NotImplemented"}  # the endpoint has no such operation (moto)
_SETTLING = {"CREATING", "UPDATING"}


class NodeGroup(BaseModel):
    name: str
    status: str  # EKS' own: ACTIVE, UPDATING, DEGRADED, ...
    min_size: int
    max_size: int
    desired_size: int
    instance_types: list[str]


class Scaling(BaseModel):
    """The sizes a resize asked for; None leaves that bound as it was."""

    desired_size: int
    min_size: int | None = None
    max_size: int | None = None


class UpdateStatus(BaseModel):
    id: str
    status: UpdateState
    errors: list[str]


class _Unsupported(IntegrationError):
    """The endpoint does not serve this operation at all (as opposed to 'no such object')."""


class EksClient:
    """Raises NotFound (no such cluster or node group), Forbidden, Unavailable, and a plain
    IntegrationError carrying EKS' own text when it rejects a request's parameters."""

    def __init__(
        self,
        region: str,
        endpoint_url: str | None = None,
        access_key_id: str | None = None,
        secret_access_key: str | None = None,
        timeout_seconds: float = 2.0,
    ):
        session = boto_session(region, access_key_id, secret_access_key)
        config = Config(
            connect_timeout=timeout_seconds,
            read_timeout=timeout_seconds,
            retries={"total_max_attempts": 1, "mode": "standard"},
        )
        self._eks = session.client("eks", endpoint_url=endpoint_url, config=config)

    def nodegroup(self, cluster: str, name: str) -> NodeGroup:
        raw = _eks(
            self._eks.describe_nodegroup, _subject(cluster, name), clusterName=cluster, nodegroupName=name
        )["nodegroup"]
        scaling = raw.get("scalingConfig", {})
        return NodeGroup(
            name=raw["nodegroupName"],
            status=raw.get("status", "UNKNOWN"),
            min_size=scaling.get("minSize", 0),
            max_size=scaling.get("maxSize", 0),
            desired_size=scaling.get("desiredSize", 0),
            instance_types=raw.get("instanceTypes") or [],
        )

    def list_nodegroups(self, cluster: str) -> list[str]:
        names: list[str] = []
        request = {"clusterName": cluster}
        for _ in range(20):  # EKS allows 30 node groups a cluster; a runaway listing stays bounded
            page = _eks(self._eks.list_nodegroups, f"cluster {cluster!r}", **request)
            names += page.get("nodegroups", [])
            if not page.get("nextToken"):
                break
            request["nextToken"] = page["nextToken"]
        return names

    def resize(
        self, cluster: str, name: str, desired: int, min_size: int | None = None, max_size: int | None = None
    ) -> str:
        """Start an UpdateNodegroupConfig; returns the update id to follow with update_status."""
        scaling = {"desiredSize": desired, "minSize": min_size, "maxSize": max_size}
        response = _eks(
            self._eks.update_nodegroup_config,
            _subject(cluster, name),
            clusterName=cluster,
            nodegroupName=name,
            scalingConfig={k: v for k, v in scaling.items() if v is not None},
        )
        return response["update"]["id"]

    def update_status(
        self, cluster: str, name: str, update_id: str, expected: Scaling | None = None
    ) -> UpdateStatus:
        """DescribeUpdate's answer. Where the endpoint lacks DescribeUpdate (moto 5.2.5), the node
        group itself is read instead, and `expected` (the sizes the resize asked for) decides between
        Successful and Failed once the group is ACTIVE again."""
        try:
            raw = _eks(
                self._eks.describe_update,
                f"update {update_id!r} of {_subject(cluster, name)}",
                name=cluster,
                nodegroupName=name,
                updateId=update_id,
            )["update"]
        except _Unsupported:
            return _judged(update_id, self.nodegroup(cluster, name), expected)
        errors = [
            f"{e.get('errorCode', 'Error')}: {e.get('errorMessage', '')}" for e in raw.get("errors", [])
        ]
        return UpdateStatus(id=raw["id"], status=raw["status"], errors=errors)


def _judged(update_id: str, group: NodeGroup, expected: Scaling | None) -> UpdateStatus:
    """The fallback: what the node group's state says about the update that last changed it."""
    if group.status in _SETTLING:
        return UpdateStatus(id=update_id, status="InProgress", errors=[])
    if group.status != "ACTIVE":
        return UpdateStatus(
            id=update_id, status="Failed", errors=[f"node group {group.name} is {group.status}"]
        )
    if expected is None:
        raise IntegrationError(
            SYSTEM,
            f"{API} here cannot describe update {update_id}; "
            "pass the requested sizes to judge it from the node group",
        )
    actual = Scaling(desired_size=group.desired_size, min_size=group.min_size, max_size=group.max_size)
    wanted = expected.model_dump(exclude_none=True)
    if actual.model_dump(include=set(wanted)) == wanted:
        return UpdateStatus(id=update_id, status="Successful", errors=[])
    return UpdateStatus(
        id=update_id,
        status="Failed",
        errors=[f"node group {group.name} is ACTIVE at {_sizes(actual)}, not {_sizes(expected)}"],
    )


def _sizes(scaling: Scaling) -> str:
    bounds = ", ".join(
        f"{k} {v}" for k, v in (("min", scaling.min_size), ("max", scaling.max_size)) if v is not None
    )
    return f"desired {scaling.desired_size}" + (f" ({bounds})" if bounds else "")


def _subject(cluster: str, name: str) -> str:
    return f"node group {name!r} in cluster {cluster!r}"


def _eks(method, subject: str, **kwargs) -> dict:
    """integrations.aws._call, after first turning the EKS-specific answers into our errors."""
    return _call(API, partial(_translated, method, subject), **kwargs)


def _translated(method, subject: str, **kwargs) -> dict:
    try:
        return method(**kwargs)
    except botocore.exceptions.ClientError as exc:
        error = exc.response.get("Error", {})
        code, message = error.get("Code", ""), str(error.get("Message", ""))[:300]
        if code == "ResourceNotFoundException":
            raise NotFound(SYSTEM, f"{API} has no {subject} ({message})") from None
        if code in _REJECTED:
            raise IntegrationError(SYSTEM, f"{API} rejected the request for {subject}: {message}") from None
        if code in _UNROUTED:
            raise _Unsupported(SYSTEM, f"{API} at this endpoint does not serve {method.__name__}") from None
        raise
    except botocore.exceptions.ParamValidationError as exc:
        raise IntegrationError(SYSTEM, f"{API} request for {subject} is invalid: {exc}") from None
