"""How the PagerDuty client turns the `pagerduty` package's failures and PagerDuty's answers into
integrations.errors: one `call()` around every request, one `read()` around every model built."""

from __future__ import annotations

from typing import Any, Callable, TypeVar

import pagerduty

from integrations.errors import Forbidden, IntegrationError, NotFound, Unavailable

SYSTEM = "pagerduty"
T = TypeVar("T")


def call(function: Callable[..., Any], *args: Any, tolerate: tuple[int, ...] = (), **kwargs: Any) -> Any:
    """Run one client call; None when it failed with a status in `tolerate`."""
    try:
        return function(*args, **kwargs)
    except pagerduty.HttpError as exc:
        if exc.response is not None and exc.response.status_code in tolerate:
            return None
        raise translated(exc) from None
    except pagerduty.Error as exc:
        cause = type(exc.__cause__).__name__ if exc.__cause__ else "network error"
        raise Unavailable(SYSTEM, f"no answer ({cause})") from None


def read(build: Callable[[Any], T], raw: Any) -> T:
    try:
        return build(raw)
    except (KeyError, TypeError, ValueError, AttributeError):  # ValueError covers pydantic's
        raise IntegrationError(SYSTEM, "answered in a shape the bot cannot read") from None


def read_all(build: Callable[[Any], T], items: list[Any]) -> list[T]:
    return [read(build, item) for item in items]


def translated(exc: pagerduty.HttpError) -> IntegrationError:
    response = exc.response
    status = response.status_code if response is not None else 0
    message = error_message(response)
    if status == 429:
        return Unavailable(SYSTEM, "rate limit reached (429)")
    if status >= 500 or status == 0:
        return Unavailable(SYSTEM, f"server error {status}")
    if status in (401, 402, 403):
        return Forbidden(SYSTEM, message or f"HTTP {status}")
    if status == 404:
        return NotFound(SYSTEM, message or "not found")
    return IntegrationError(SYSTEM, message or f"HTTP {status}")


def error_message(response) -> str:
    """PagerDuty's message and its details, e.g. "Invalid Input Provided (Status 'x' is invalid)"."""
    try:
        error = response.json().get("error") or {}
        details = "; ".join(str(e) for e in error.get("errors") or [])
        return (str(error.get("message", "")) + (f" ({details})" if details else ""))[:300]
    except (ValueError, AttributeError, TypeError):  # not JSON, or not PagerDuty's error shape
        return ""
