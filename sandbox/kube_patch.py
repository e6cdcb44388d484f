"""The three PATCH flavours the Kubernetes API accepts, simplified: strategic merge (lists of named
items merge by `name`), JSON merge patch (RFC 7386) and JSON patch (RFC 6902: add, replace, remove).
"""

from __future__ import annotations

import copy
from typing import Any

STRATEGIC = "application/strategic-merge-patch+json"
MERGE = "application/merge-patch+json"
JSON_PATCH = "application/json-patch+json"


class PatchError(ValueError):
    """The patch body does not fit its content type; the API answers 400/422."""


def apply(content_type: str, target: dict, patch: Any) -> dict:
    kind = content_type.split(";")[0].strip().lower()
    if kind == JSON_PATCH:
        if not isinstance(patch, list):
            raise PatchError("json: cannot unmarshal object into Go value of type jsonpatch.Patch")
        return json_patch(target, patch)
    if kind not in (STRATEGIC, MERGE):
        raise PatchError(f"unsupported patch content type {kind!r}")
    if not isinstance(patch, dict):
        raise PatchError("patch body must be a JSON object")
    return merge(target, patch, by_name=kind == STRATEGIC)


def merge(target: Any, patch: Any, by_name: bool) -> Any:
    if not isinstance(patch, dict) or not isinstance(target, dict):
        return copy.deepcopy(patch)
    result = copy.deepcopy(target)
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        elif by_name and _named_list(value) and _named_list(result.get(key)):
            result[key] = _merge_named(result[key], value)
        else:
            result[key] = merge(result.get(key), value, by_name)
    return result


def _named_list(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(item, dict) and "name" in item for item in value)


def _merge_named(current: list[dict], patch: list[dict]) -> list[dict]:
    merged = [copy.deepcopy(item) for item in current]
    index = {item["name"]: i for i, item in enumerate(merged)}
    for item in patch:
        if item["name"] in index:
            merged[index[item["name"]]] = merge(merged[index[item["name"]]], item, True)
        else:
            merged.append(copy.deepcopy(item))
    return merged


def json_patch(target: dict, ops: list[dict]) -> dict:
    result = copy.deepcopy(target)
    for op in ops:
        parent, key = _locate(result, op.get("path", ""))
        if op.get("op") in ("add", "replace"):
            _put(parent, key, copy.deepcopy(op.get("value")), insert=op["op"] == "add")
        elif op.get("op") == "remove":
            del parent[int(key) if isinstance(parent, list) else key]
        else:
            raise PatchError(f"unsupported json patch operation {op.get('op')!r}")
    return result


def _locate(doc: Any, path: str) -> tuple[Any, str]:
    parts = [p.replace("~1", "/").replace("~0", "~") for p in path.split("/")[1:]]
    if not parts:
        raise PatchError("json patch path must not be empty")
    node = doc
    try:
        for part in parts[:-1]:
            node = node[int(part)] if isinstance(node, list) else node[part]
    except (KeyError, IndexError, ValueError):
        raise PatchError(f"doc is missing path: {path}") from None
    return node, parts[-1]


def _put(parent: Any, key: str, value: Any, insert: bool) -> None:
    if isinstance(parent, list):
        if key == "-":
            parent.append(value)
        elif insert:
            parent.insert(int(key), value)
        else:
            parent[int(key)] = value
    else:
        parent[key] = value
