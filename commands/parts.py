"""Run a report's independent parts at once on the shared pool; a part whose backend fails becomes
a `Missing` with a reason to show (❔), so one broken system never costs the whole answer."""

from __future__ import annotations

import logging
import uuid
from typing import Any, Callable

from pydantic import BaseModel

from commands.deps import Deps
from integrations.errors import IntegrationError

log = logging.getLogger(__name__)
SYSTEMS = {"kubernetes": "Kubernetes API", "prometheus": "Prometheus", "aws": "AWS"}


class Missing(BaseModel):
    reason: str


def gather(deps: Deps, parts: dict[str, Callable[[], Any]]) -> dict[str, Any]:
    futures = {key: deps.pool.submit(part) for key, part in parts.items()}
    return {key: _outcome(key, future, deps) for key, future in futures.items()}


def _outcome(key: str, future, deps: Deps) -> Any:
    try:
        return future.result()
    except IntegrationError as exc:
        deps.on_backend_error(exc.system)
        return Missing(reason=f"{SYSTEMS.get(exc.system, exc.system)}: {exc.message}")
    except Exception:
        ref = uuid.uuid4().hex[:8]
        log.exception("report part %s failed", key, extra={"ref": ref})
        return Missing(reason=f"failed unexpectedly (ref {ref})")
