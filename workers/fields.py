"""Addressing extracted fields by path ("defendants/0/charges/1") and applying corrections."""

from __future__ import annotations

import copy
from typing import Any


def _key(part: str) -> str | int:
    return int(part) if part.isdigit() else part


def get_path(fields: Any, path: str) -> Any:
    node = fields
    for part in path.split("/"):
        k = _key(part)
        try:
            node = node[k]
        except (KeyError, IndexError, TypeError):
            return None
    return node


def set_path(fields: dict[str, Any], path: str, value: Any) -> None:
    """Set a value, growing lists/dicts as needed; raises KeyError for an impossible path."""
    parts = [_key(p) for p in path.split("/")]
    node: Any = fields
    for i, k in enumerate(parts[:-1]):
        nxt: Any = [] if isinstance(parts[i + 1], int) else {}
        if isinstance(k, int):
            if not isinstance(node, list):
                raise KeyError(path)
            while len(node) <= k:
                node.append(copy.deepcopy(nxt))
            node = node[k]
        else:
            if not isinstance(node, dict):
                raise KeyError(path)
            node = node.setdefault(k, nxt)
    last = parts[-1]
    if isinstance(last, int):
        if not isinstance(node, list):
            raise KeyError(path)
        while len(node) <= last:
            node.append(None)
        node[last] = value
    else:
        if not isinstance(node, dict):
            raise KeyError(path)
        node[last] = value


def apply_corrections(fields: dict[str, Any], corrections: dict[str, Any]) -> dict[str, Any]:
    """A person's correction wins over the machine; shorter paths first so nested ones refine."""
    out = copy.deepcopy(fields)
    for path in sorted(corrections, key=lambda p: p.count("/")):
        set_path(out, path, corrections[path])
    return out
