"""Kubernetes `Event` objects in the stand-in, recorded the way kubelet, the scheduler and the node
controller do: a repeat of the same (object, type, reason, message, source) bumps `count` and
`lastTimestamp` of one Event instead of adding another; Events expire after an hour (the API
server's default TTL). Also the events.k8s.io/v1 view of the same objects. Callers hold the lock.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sandbox.kube_objects import metadata, stamp

if TYPE_CHECKING:
    from sandbox.kube_cluster import Cluster

TTL_SECONDS = 3600
KEPT = 1000
NODE_EVENTS_NAMESPACE = "default"  # where kubelet and the node controller record a Node's events


def record(
    cluster: Cluster,
    involved: dict,
    event_type: str,
    reason: str,
    message: str,
    component: str,
    host: str | None = None,
) -> dict:
    """Record one occurrence; `involved` is the object it is about (a Pod, Node or Deployment)."""
    ref = reference(involved)
    namespace = ref.get("namespace") or NODE_EVENTS_NAMESPACE
    now = cluster.clock()
    for event in cluster.items("events", namespace):
        if _same(event, ref, event_type, reason, message, component):
            event["count"] += 1
            event["lastTimestamp"] = stamp(now)
            return cluster.put("events", event)
    cluster.event_serial += 1
    name = f"{ref['name']}.{int(now * 1e9) + cluster.event_serial:x}"
    meta = metadata(name, namespace, now)
    del meta["labels"]  # recorded Events carry none
    event = {
        "apiVersion": "v1",
        "kind": "Event",
        "metadata": meta,
        "involvedObject": ref,
        "type": event_type,
        "reason": reason,
        "message": message,
        "source": {"component": component, **({"host": host} if host else {})},
        "reportingComponent": component,
        "reportingInstance": host or "",
        "count": 1,
        "firstTimestamp": stamp(now),
        "lastTimestamp": stamp(now),
        "eventTime": None,
    }
    return cluster.put("events", event)


def reference(obj: dict) -> dict:
    meta = obj["metadata"]
    ref = {
        "kind": obj["kind"],
        "apiVersion": obj["apiVersion"],
        "name": meta["name"],
        # kubelet refers to its Node by name, not by the Node object's uid
        "uid": meta["name"] if obj["kind"] == "Node" else meta["uid"],
    }
    if meta.get("namespace"):
        ref["namespace"] = meta["namespace"]
        ref["resourceVersion"] = meta.get("resourceVersion", "")
    if obj["kind"] == "Pod":
        ref["fieldPath"] = f"spec.containers{{{obj['spec']['containers'][0]['name']}}}"
    return ref


def expire(cluster: Cluster) -> None:
    """Drop Events older than the TTL, and the oldest beyond `KEPT` (a long demo stays bounded)."""
    horizon = stamp(cluster.clock() - TTL_SECONDS)
    events = sorted(cluster.items("events"), key=lambda e: e["lastTimestamp"])
    for i, event in enumerate(events):
        if event["lastTimestamp"] < horizon or i < len(events) - KEPT:
            cluster.remove("events", event["metadata"]["namespace"], event["metadata"]["name"])


def as_events_v1(event: dict) -> dict:
    """The events.k8s.io/v1 shape of a core/v1 Event, as the API server converts it."""
    first = event.get("firstTimestamp")
    return {
        "apiVersion": "events.k8s.io/v1",
        "kind": "Event",
        "metadata": event["metadata"],
        "eventTime": event.get("eventTime") or (first.replace("Z", ".000000Z") if first else None),
        "reason": event["reason"],
        "note": event["message"],
        "type": event["type"],
        "regarding": event["involvedObject"],
        "reportingController": event["reportingComponent"],
        "reportingInstance": event["reportingInstance"],
        "deprecatedSource": event["source"],
        "deprecatedFirstTimestamp": first,
        "deprecatedLastTimestamp": event.get("lastTimestamp"),
        "deprecatedCount": event.get("count"),
    }


def events_v1_field(selector_key: str) -> str:
    """events.k8s.io field selectors name `regarding`; the stored core/v1 object says `involvedObject`."""
    if selector_key.startswith("regarding."):
        return "involvedObject." + selector_key.removeprefix("regarding.")
    return {"reportingController": "reportingComponent", "note": "message"}.get(selector_key, selector_key)


def _same(event: dict, ref: dict, event_type: str, reason: str, message: str, component: str) -> bool:
    theirs = event["involvedObject"]
    return (
        theirs.get("uid") == ref.get("uid")
        and (event["type"], event["reason"], event["message"]) == (event_type, reason, message)
        and event["source"]["component"] == component
    )
