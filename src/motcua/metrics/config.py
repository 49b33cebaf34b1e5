"""The province's hook into the one index configuration (`motcua.metrics.domain.config`).

`settings.MOTCUA_SERVICE_INDEX` (a dict) or the JSON file named by the environment variable
`MOTCUA_SERVICE_INDEX_FILE` overrides the per-indicator points and thresholds; both are checked by
`domain.configure` (a wrong configuration stops the report with a clear message instead of scoring wrong).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from motcua.metrics.domain import ConfigError, IndexConfig, configure


def index_config() -> IndexConfig:
    overrides: Any = getattr(settings, "MOTCUA_SERVICE_INDEX", None)
    path = os.environ.get("MOTCUA_SERVICE_INDEX_FILE", "")
    if overrides is None and path:
        try:
            overrides = json.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise ImproperlyConfigured(f"MOTCUA_SERVICE_INDEX_FILE={path}: {exc}") from exc
    try:
        return configure(overrides)
    except ConfigError as exc:
        raise ImproperlyConfigured(f"service index configuration: {exc}") from exc
