"""API authentication: a browser session, or `Authorization: Bearer mc_…` for systems."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja.security import HttpBearer, SessionAuth

from motcua.core import tokens


class TokenAuth(HttpBearer):
    openapi_scheme = "bearer"

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        api_token = tokens.authenticate(token)
        if api_token is None:
            return None
        request.user = api_token.user
        request.api_token = api_token
        return api_token.user


class CsrfSessionAuth(SessionAuth):
    """Session cookie for browsers; CSRF is checked on unsafe methods (ninja's default)."""


AUTH = [TokenAuth(), CsrfSessionAuth()]
