"""REST API v1: OpenAPI 3 at /api/v1/openapi.json, docs at /api/v1/docs."""

from __future__ import annotations

from ninja import NinjaAPI
from ninja.security import SessionAuth

api = NinjaAPI(
    title="MotCua API",
    version="1",
    urls_namespace="api-v1",
    auth=SessionAuth(),
    docs_url="/docs",
    openapi_url="/openapi.json",
)
