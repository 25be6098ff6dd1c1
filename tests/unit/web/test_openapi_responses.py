"""Every answer of the API is described by the OpenAPI schema (typed edges).

Walks `app.openapi()`: each 2xx JSON answer of an /api/ route must have a schema, and an
object schema must name its properties (a bare `object`, what `dict[str, Any]` gives,
describes nothing). Schemathesis checks answers against these schemas, so an answer that
drifts from its model fails there too.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from mynumbercard.adapters.db.engine import make_engine
from mynumbercard.bootstrap import Container
from mynumbercard.config import Settings
from mynumbercard.web.app import create_api


@pytest.fixture(scope="module")
def schema(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    home: Path = tmp_path_factory.mktemp("openapi-home")
    url = f"sqlite:///{home / 'unused.sqlite3'}"  # the schema is built without a query
    wired = Container(settings=Settings(home=home, database_url=url), engine=make_engine(url))
    try:
        return create_api(wired).openapi()
    finally:
        wired.engine.dispose()


def _resolve(schema: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        name = node["$ref"].removeprefix("#/components/schemas/")
        node = schema["components"]["schemas"][name]
    return node


def _undescribed(schema: dict[str, Any], node: dict[str, Any], where: str) -> list[str]:
    """The places under `node` that are an object without properties."""
    node = _resolve(schema, node)
    for key in ("anyOf", "oneOf", "allOf"):
        if key in node:
            return [p for i, part in enumerate(node[key])
                    for p in _undescribed(schema, part, f"{where}|{i}")]
    if node.get("type") == "array":
        return _undescribed(schema, node.get("items", {}), f"{where}[]")
    if node.get("type") == "object" and not node.get("properties"):
        return [where]
    if not node:
        return [where]
    return []


def _api_answers(schema: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    answers = []
    for path, operations in schema["paths"].items():
        if not path.startswith("/api/"):
            continue
        for method, operation in operations.items():
            for code, answer in operation["responses"].items():
                if code.startswith("2") and code != "204":
                    answers.append((f"{method.upper()} {path} {code}", answer))
    return answers


def test_the_schema_has_the_api_routes(schema: dict[str, Any]) -> None:
    assert len(_api_answers(schema)) >= 60


def test_every_2xx_answer_of_the_api_has_a_described_schema(schema: dict[str, Any]) -> None:
    missing = []
    for name, answer in _api_answers(schema):
        content = answer.get("content", {})
        if "application/json" not in content:
            if not content:
                missing.append(f"{name}: no content")
            continue  # a photo (image/*) is described by its media type
        missing += [f"{name}: {where}" for where in
                    _undescribed(schema, content["application/json"].get("schema", {}),
                                 "body")]
    assert missing == []
