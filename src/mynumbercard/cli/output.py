"""JSON as the CLI prints it: Japanese as text (not `\\u` escapes), an empty list `[]`.

`plain` turns a service's typed result (frozen dataclasses, enums, dates) into the JSON
values the CLI prints: fields in their order, a field's `metadata["json"]` naming its
key when the key is no Python name (`from`), and a `metadata["flatten"]` mapping merged
into its parent (free details beside the fixed keys)."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping
from datetime import date, datetime
from enum import Enum
from typing import Any


def dumps(value: Any, **options: Any) -> str:
    options.setdefault("ensure_ascii", False)
    return json.dumps(plain(value), **options)


def plain(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        out: dict[str, Any] = {}
        for field in dataclasses.fields(value):
            item = getattr(value, field.name)
            if field.metadata.get("flatten"):
                out.update({k: plain(v) for k, v in item.items()})
            else:
                out[field.metadata.get("json", field.name)] = plain(item)
        return out
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    return value
