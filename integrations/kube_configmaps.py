"""The Kubernetes client's ConfigMap calls: read one as a dict of strings, change one key."""

from __future__ import annotations

from integrations.kube_calls import MERGE, KubeApi


class ConfigMaps(KubeApi):
    def get_configmap(self, namespace: str, name: str) -> dict[str, str]:
        found = self._call(
            f"read configmap {namespace}/{name}", self._core.read_namespaced_config_map, name, namespace
        )
        return dict(found.data or {})

    def patch_configmap(self, namespace: str, name: str, key: str, value: str) -> dict[str, str]:
        """Set one key (values are strings, as the API requires); the ConfigMap's data afterwards."""
        if not isinstance(value, str):
            raise TypeError(f"ConfigMap values are strings, not {type(value).__name__}")
        found = self._call(
            f"change key {key} of configmap {namespace}/{name}",
            self._core.patch_namespaced_config_map,
            name,
            namespace,
            {"data": {key: value}},
            _content_type=MERGE,
        )
        return dict(found.data or {})
