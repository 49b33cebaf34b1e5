"""Browser tests (fixtures `browser`, `page`, `shoot` come from tests/browser_fixtures.py)."""

from __future__ import annotations

import pytest

from tests.browser_fixtures import CHROMIUM, CHROMIUM_ARGS, DESKTOP, PHONE, SCREENSHOTS
from tests.portal.support import ensure_compiled_messages

__all__ = ["CHROMIUM", "CHROMIUM_ARGS", "DESKTOP", "PHONE", "SCREENSHOTS"]


@pytest.fixture(scope="session", autouse=True)
def _compiled_messages() -> None:
    ensure_compiled_messages()
