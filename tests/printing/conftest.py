"""Fixtures of the form tests: the desk of commune A and dossiers with every kind of history."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.cache import cache

from tests.portal.support import ensure_compiled_messages
from tests.printing import scenarios


@pytest.fixture(scope="session", autouse=True)
def _compiled_messages() -> None:
    ensure_compiled_messages()


@pytest.fixture(autouse=True)
def _fresh_cache():
    """The public lookup's rate limiter counts in the cache: every test starts from zero."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def desk(province_tree, make_officer) -> dict[str, Any]:
    return scenarios.make_desk(province_tree, make_officer)


@pytest.fixture
def returned(desk) -> Any:
    """Received Mon 6 Apr 2026 08:00, supplemented once, approved, resolved and returned at the desk."""
    return scenarios.make_returned(desk)


@pytest.fixture
def apologised(desk) -> Any:
    return scenarios.make_apologised(desk)


@pytest.fixture
def stopped(desk) -> Any:
    return scenarios.make_stopped(desk)


@pytest.fixture
def refused(desk) -> Any:
    return scenarios.make_refused(desk)
