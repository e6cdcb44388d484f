"""The Kubernetes client's diagnosis calls, what an operator runs to look closer: recent Warning
events, one pod's logs (current or previous container), and the condensed `kubectl describe` of a
pod, a Deployment or a node (built in `kube_describe`).
"""

from __future__ import annotations

from datetime import datetime

from integrations import kube_deployments, kube_describe
from integrations.kube_calls import KubeApi, read_body
from integrations.kube_convert import event_info
from integrations.kube_descriptions import DeploymentDescription, NodeDescription, PodDescription
from integrations.kube_models import EventInfo

LOG_LIMIT_BYTES = 20 * 1024 * 1024  # one pod's log per request; a week of a chatty pod can be far larger
RECENT_EVENTS = 20  # the newest events a description keeps


class Diagnosis(KubeApi):
    def warning_events(
        self, namespace: str, since: datetime, object_name: str | None = None
    ) -> list[EventInfo]:
        """Warning events last seen at or after `since` (aware), oldest first."""
        fields = "type=Warning" + (f",involvedObject.name={object_name}" if object_name else "")
        found = self._call(
            f"list warning events in {namespace}",
            self._core.list_namespaced_event,
            namespace,
            field_selector=fields,
        )
        events = [event_info(e) for e in found.items]
        return _by_time([e for e in events if e.last_seen is None or e.last_seen >= since])

    def pod_logs(
        self,
        namespace: str,
        name: str,
        since_seconds: int | None = None,
        previous: bool = False,
        container: str | None = None,
        tail_lines: int | None = None,
    ) -> str:
        """The pod's log text (at most 20 MB); `previous` is the container instance that last ended.
        Read raw because the client renders text bodies as a bytes repr."""
        optional = {
            "since_seconds": since_seconds,
            "tail_lines": tail_lines,
            "container": container,
            "previous": previous,
            "limit_bytes": LOG_LIMIT_BYTES,
        }
        return self._call(
            f"read {'previous ' if previous else ''}logs of pod {namespace}/{name}",
            lambda *args, **kwargs: read_body(
                self._core.read_namespaced_pod_log(*args, _preload_content=False, **kwargs)
            ),
            name,
            namespace,
            **{k: v for k, v in optional.items() if v},
        )

    def describe_pod(self, namespace: str, name: str) -> PodDescription:
        pod = self._call(f"read pod {namespace}/{name}", self._core.read_namespaced_pod, name, namespace)
        events = self._events_about(namespace, "Pod", name, pod.metadata.uid)
        return kube_describe.pod(pod, events)

    def describe_deployment(self, namespace: str, name: str) -> DeploymentDescription:
        what = f"describe deployment {namespace}/{name}"
        dep = self._call(what, self._apps.read_namespaced_deployment, name, namespace)
        raw = self._json(dep)
        found = self._call(
            what,
            self._apps.list_namespaced_replica_set,
            namespace,
            label_selector=kube_deployments.selector(raw),
        )
        sets = kube_deployments.owned(raw, [self._json(rs) for rs in found.items])
        events = self._events_about(namespace, "Deployment", name, dep.metadata.uid)
        return kube_describe.deployment(dep, sets, events)

    def describe_node(self, name: str) -> NodeDescription:
        node = self._call(f"read node {name}", self._core.read_node, name)
        return kube_describe.node(node, self._events_about(None, "Node", name, None))

    def _events_about(self, namespace: str | None, kind: str, name: str, uid: str | None) -> list[EventInfo]:
        """Events about one object; a Node's are in any namespace (kubelet records them in `default`)."""
        fields = f"involvedObject.kind={kind},involvedObject.name={name}"
        fields += f",involvedObject.uid={uid}" if uid else ""
        what = f"list events of {kind.lower()} {name}"
        if namespace is None:
            found = self._call(what, self._core.list_event_for_all_namespaces, field_selector=fields)
        else:
            found = self._call(what, self._core.list_namespaced_event, namespace, field_selector=fields)
        return _by_time([event_info(e) for e in found.items])[-RECENT_EVENTS:]


def _by_time(events: list[EventInfo]) -> list[EventInfo]:
    return sorted(events, key=lambda e: (e.last_seen.timestamp() if e.last_seen else 0.0, e.name))
