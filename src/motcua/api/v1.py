"""REST API v1: OpenAPI 3 at /api/v1/openapi.json, docs at /api/v1/docs."""

from __future__ import annotations

from ninja import NinjaAPI

from motcua.api import problems
from motcua.api.auth import AUTH
from motcua.api.catalog import router as catalog_router
from motcua.api.dossiers import public_router
from motcua.api.dossiers import router as dossiers_router
from motcua.api.units import router as units_router

api = NinjaAPI(
    title="MotCua API",
    version="1",
    description="Public administration one-stop shop. Errors are application/problem+json with a stable `code`.",
    urls_namespace="api-v1",
    auth=AUTH,
    docs_url="/docs",
    openapi_url="/openapi.json",
)
problems.install(api)
api.add_router("", units_router)
api.add_router("", catalog_router)
api.add_router("", dossiers_router)
api.add_router("", public_router)
