from __future__ import annotations

import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _fresh_cache():
    """The public lookup's rate limiter counts in the cache: every test starts from zero."""
    cache.clear()
    yield
    cache.clear()
