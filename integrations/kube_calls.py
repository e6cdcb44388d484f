"""The base of the bot's Kubernetes client: a private ApiClient with no retries and a timeout on every
call, and the translation of failures into `integrations.errors` (system "kubernetes"). The concern
modules (`kube`, `kube_diagnose`, `kube_watch`, `kube_configmaps`, `kube_security`) build on `KubeApi`.
"""

from __future__ import annotations

import json
from typing import Any, Callable

import urllib3
from kubernetes import client, config
from kubernetes.client.exceptions import ApiException

from integrations.errors import Forbidden, IntegrationError, NotFound, Unavailable

SYSTEM = "kubernetes"
STRATEGIC = "application/strategic-merge-patch+json"
MERGE = "application/merge-patch+json"
JSON_PATCH = "application/json-patch+json"


def _load_configuration(kubeconfig_path: str | None, context: str | None) -> client.Configuration:
    """The cluster's address and credentials, or an IntegrationError a person can act on."""
    configuration = client.Configuration()
    try:
        if kubeconfig_path is None:
            config.load_incluster_config(client_configuration=configuration)
        else:
            config.load_kube_config(
                config_file=kubeconfig_path,
                context=context,
                client_configuration=configuration,
                persist_config=False,
            )
    except (config.ConfigException, OSError, ValueError) as exc:
        where = f"kubeconfig {kubeconfig_path}" if kubeconfig_path else "in-cluster service account"
        hint = "" if kubeconfig_path else " (outside a cluster, set kubernetes.kubeconfig)"
        raise IntegrationError(
            SYSTEM, f"cannot load the {where}: {str(exc).splitlines()[0][:160]}{hint}"
        ) from None
    return configuration


class KubeApi:
    def __init__(self, kubeconfig_path: str | None, context: str | None = None, timeout_seconds: float = 2.0):
        configuration = _load_configuration(kubeconfig_path, context)
        configuration.retries = False  # one attempt: a hung API server costs one timeout, not four
        self._api = client.ApiClient(configuration)
        self._core = client.CoreV1Api(self._api)
        self._apps = client.AppsV1Api(self._api)
        self._custom = client.CustomObjectsApi(self._api)
        self.timeout_seconds = timeout_seconds

    def close(self) -> None:
        self._api.close()

    def _call(self, what: str, method: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        try:
            return method(*args, _request_timeout=self.timeout_seconds, **kwargs)
        except ApiException as exc:
            raise status_error(exc.status, what, status_reason(exc)) from None
        except urllib3.exceptions.HTTPError as exc:
            raise transport_error(exc, self.timeout_seconds) from None

    def _json(self, found: Any) -> Any:
        """A client model object as the plain JSON the API server sent."""
        return self._api.sanitize_for_serialization(found)


def read_body(response: Any) -> str:
    """Read a raw body inside _call, so a connection that breaks mid-body is translated too."""
    try:
        return response.data.decode("utf-8", errors="replace")
    finally:
        response.release_conn()


def status_error(status: int | None, what: str, reason: str | None = None) -> IntegrationError:
    if status == 404:
        return NotFound(SYSTEM, f"cannot {what}: not found")
    if status == 401:
        return Forbidden(SYSTEM, f"cannot {what}: the API server rejected our credentials")
    if status == 403:
        return Forbidden(SYSTEM, f"cannot {what}: our service account is not allowed to")
    if reason == "AlreadyExists":
        return IntegrationError(SYSTEM, f"cannot {what}: it already exists")
    if status == 429:
        return Unavailable(SYSTEM, f"cannot {what}: the API server is throttling us, try again shortly")
    if status and 400 <= status < 500:  # 400/409/422: the request itself was wrong, retrying will not help
        return IntegrationError(SYSTEM, f"cannot {what}: the API server rejected the request ({status})")
    return Unavailable(SYSTEM, f"cannot {what}: the API server failed ({status or 'no response'})")


def status_reason(exc: ApiException) -> str | None:
    """The `reason` of the Status object the API server answered with (AlreadyExists, Conflict, ...)."""
    try:
        body = json.loads(exc.body or "")
    except (TypeError, ValueError):
        return None
    return body.get("reason") if isinstance(body, dict) else None


def transport_error(exc: urllib3.exceptions.HTTPError, timeout_seconds: float) -> Unavailable:
    # NewConnectionError subclasses ConnectTimeoutError in urllib3 2, so test it first.
    if isinstance(exc, urllib3.exceptions.NewConnectionError):
        return Unavailable(SYSTEM, "the API server refused the connection")
    if isinstance(exc, urllib3.exceptions.TimeoutError):
        return Unavailable(SYSTEM, f"the API server did not answer within {timeout_seconds}s")
    return Unavailable(SYSTEM, "the connection to the API server failed")
