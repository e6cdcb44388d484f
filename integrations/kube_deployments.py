"""Plain-JSON views of Deployments and ReplicaSets for the change commands: a manifest to clone,
revisions to roll back to, and a rollout's progress judged as `kubectl rollout status` does.
"""

from __future__ import annotations

import copy

from integrations.kube_models import Revision, RolloutState

REVISION = "deployment.kubernetes.io/revision"
HASH_LABEL = "pod-template-hash"
DEADLINE_EXCEEDED = "ProgressDeadlineExceeded"
SERVER_FIELDS = ("uid", "resourceVersion", "creationTimestamp", "managedFields", "generation", "selfLink")
_OPERATORS = {"In": "in", "NotIn": "notin"}


def manifest(dep: dict) -> dict:
    """The Deployment without what the server owns (status, identity, bookkeeping): a template to clone."""
    clean = copy.deepcopy(dep)
    clean.pop("status", None)
    meta = clean.setdefault("metadata", {})
    for key in SERVER_FIELDS:
        meta.pop(key, None)
    annotations = meta.get("annotations") or {}
    annotations.pop(REVISION, None)
    if not annotations:
        meta.pop("annotations", None)
    return clean


def selector(dep: dict) -> str:
    """The Deployment's label selector as a `labelSelector` query string."""
    found = (dep.get("spec") or {}).get("selector") or {}
    terms = [f"{k}={v}" for k, v in sorted((found.get("matchLabels") or {}).items())]
    for expr in found.get("matchExpressions") or []:
        key, operator, values = expr["key"], expr["operator"], ",".join(expr.get("values") or [])
        terms.append(
            {"Exists": key, "DoesNotExist": f"!{key}"}.get(operator)
            or f"{key} {_OPERATORS[operator]} ({values})"
        )
    return ",".join(terms)


def owned(dep: dict, replicasets: list[dict]) -> list[dict]:
    """The ReplicaSets this Deployment controls: owned by it, or matched by its selector and unowned."""
    uid = dep["metadata"].get("uid")

    def ours(rs: dict) -> bool:
        refs = rs["metadata"].get("ownerReferences") or []
        return any(ref.get("uid") == uid for ref in refs) or not any(ref.get("controller") for ref in refs)

    return [rs for rs in replicasets if ours(rs)]


def without_hash(template: dict) -> dict:
    clean = copy.deepcopy(template)
    ((clean.get("metadata") or {}).get("labels") or {}).pop(HASH_LABEL, None)
    return clean


def revision(rs: dict) -> Revision:
    template = rs["spec"]["template"]
    annotations = rs["metadata"].get("annotations") or {}
    return Revision(
        number=int(annotations.get(REVISION, 0)),
        images=[c["image"] for c in template["spec"]["containers"]],
        template=without_hash(template),
        replicas=(rs.get("status") or {}).get("replicas", 0),
        pod_template_hash=((template.get("metadata") or {}).get("labels") or {}).get(HASH_LABEL),
    )


def rollout_state(dep: dict) -> RolloutState:
    spec, status = dep.get("spec") or {}, dep.get("status") or {}
    generation, observed = dep["metadata"].get("generation", 0), status.get("observedGeneration", 0)
    replicas, updated = spec.get("replicas", 1), status.get("updatedReplicas", 0)
    ready, available = status.get("readyReplicas", 0), status.get("availableReplicas", 0)
    old = max(0, status.get("replicas", 0) - updated)
    progressing = next((c for c in status.get("conditions") or [] if c.get("type") == "Progressing"), {})
    caught_up = observed >= generation
    return RolloutState(
        generation=generation,
        observed_generation=observed,
        replicas=replicas,
        updated=updated,
        ready=ready,
        available=available,
        unavailable=status.get("unavailableReplicas", 0),
        old=old,
        progressing_reason=progressing.get("reason"),
        progressing_message=progressing.get("message"),
        deadline_exceeded=caught_up and progressing.get("reason") == DEADLINE_EXCEEDED,
        done=caught_up and updated == ready == available == replicas and old == 0,
    )
