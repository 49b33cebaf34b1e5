"""PostgreSQL COPY text format: one cell of a row (shared by the generator and the rollup rebuilds)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def copy_cell(value: Any) -> str:
    """`value` as a COPY text cell: \\N for NULL, t/f, ISO instants, compact JSON, escaped text."""
    if value is None:
        return "\\N"
    if value is True:
        return "t"
    if value is False:
        return "f"
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, separators=(",", ":")).translate(_ESCAPES)
    if isinstance(value, str):
        return value.translate(_ESCAPES)
    return str(value)
