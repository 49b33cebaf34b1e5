"""A small fixed-window rate limiter per client IP, in Django's cache (shared by every worker that shares it)."""

from __future__ import annotations

import time

from django.core.cache import cache
from django.http import HttpRequest
from django.utils.translation import gettext as _

from motcua.api.problems import ApiProblem


class RateLimited(ApiProblem):
    def __init__(self, retry_after: int) -> None:
        super().__init__(429, "rate_limited", _("Too many requests; wait a minute and try again."))
        self.retry_after = retry_after


def client_ip(request: HttpRequest) -> str:
    """REMOTE_ADDR: behind a proxy, the proxy must set it (never trust a client's X-Forwarded-For)."""
    return str(request.META.get("REMOTE_ADDR") or "unknown")[:64]


def check(request: HttpRequest, scope: str, limit: int, window: int = 60) -> None:
    """Count this request in the current window; raise RateLimited (429) beyond `limit`."""
    now = int(time.time())
    slot = now // window
    key = f"motcua:rl:{scope}:{client_ip(request)}:{slot}"
    cache.add(key, 0, timeout=window + 5)
    try:
        count = cache.incr(key)
    except ValueError:  # evicted between add and incr
        cache.set(key, 1, timeout=window + 5)
        count = 1
    if count > limit:
        raise RateLimited(retry_after=(slot + 1) * window - now)
