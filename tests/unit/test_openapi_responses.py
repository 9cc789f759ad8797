"""Every API operation documents what a client receives: a 2xx response with a schema that
names its properties (or, for a route answering bytes, a binary media type)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest


@pytest.fixture
def openapi(env: Callable[..., dict[str, str]]) -> dict[str, Any]:
    from api.app import create_app
    from models.settings import get_settings

    schema: dict[str, Any] = create_app(get_settings()).openapi()
    return schema


def _resolve(schema: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        name = node["$ref"].removeprefix("#/components/schemas/")
        node = schema["components"]["schemas"][name]
    return node


def _problem(schema: dict[str, Any], op: dict[str, Any]) -> str | None:
    ok = {code: r for code, r in op.get("responses", {}).items() if code.startswith("2")}
    if not ok:
        return "no 2xx response"
    for code, response in ok.items():
        content = response.get("content") or {}
        if not content:
            return f"{code} has no content"
        for media, body in content.items():
            node = _resolve(schema, body.get("schema") or {})
            if media != "application/json":
                if node.get("format") != "binary":
                    return f"{code} {media} is not documented as binary"
                continue
            if node.get("type") == "array":
                node = _resolve(schema, node.get("items") or {})
            if not node.get("properties"):
                return f"{code} {media} schema names no properties: {node}"
    return None


def test_every_operation_documents_its_response(openapi: dict[str, Any]) -> None:
    operations = [(method, path, op) for path, ops in openapi["paths"].items()
                  for method, op in ops.items()]
    api_ops = [o for o in operations if o[1].startswith("/api/v1/")]
    assert len(api_ops) >= 18, "the REST operations are missing from the schema"
    problems = {f"{method.upper()} {path}": problem for method, path, op in operations
                if (problem := _problem(openapi, op)) is not None}
    assert problems == {}


def test_the_check_catches_an_untyped_response(openapi: dict[str, Any]) -> None:
    """The check above would fail on what every route answered before its model (a bare
    object), so its passing means something."""
    bare = {"responses": {"200": {"content": {"application/json": {
        "schema": {"type": "object", "additionalProperties": True}}}}}}
    assert _problem(openapi, bare) is not None
