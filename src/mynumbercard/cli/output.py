"""JSON as the CLI prints it: Japanese as text (not `\\u` escapes), an empty list `[]`."""

from __future__ import annotations

import json
from typing import Any


def dumps(value: Any, **options: Any) -> str:
    options.setdefault("ensure_ascii", False)
    return json.dumps(value, **options)
