"""Errors as RFC 9457 problem documents: a stable machine `code` and a Vietnamese `detail`."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Schema

from motcua.api import jsonutil

PROBLEM_CONTENT_TYPE = "application/problem+json"


class Problem(Schema):
    type: str
    title: str
    status: int
    code: str
    detail: str
    errors: list[dict[str, Any]] | None = None


class ApiProblem(Exception):
    def __init__(self, status: int, code: str, detail: str, errors: list[dict[str, Any]] | None = None) -> None:
        super().__init__(detail)
        self.status, self.code, self.detail, self.errors = status, code, detail, errors


def problem_response(
    request: HttpRequest, status: int, code: str, detail: str, errors: list[dict[str, Any]] | None = None
) -> HttpResponse:
    body: dict[str, Any] = {
        "type": f"/api/v1/problems/{code}",
        "title": code.replace("_", " "),
        "status": status,
        "code": code,
        "detail": detail,
    }
    if errors:
        body["errors"] = errors
    return HttpResponse(jsonutil.dumps(body), status=status, content_type=PROBLEM_CONTENT_TYPE)


def not_found(what: str) -> ApiProblem:
    return ApiProblem(404, f"{what}_not_found", _("Not found, or you are not allowed to see it."))


def _field_name(loc: Any) -> str:
    """("body", "payload", "applicant", "name") → "applicant.name"; ("query", "limit") → "limit"."""
    parts = [str(p) for p in loc]
    skip = 2 if parts[:1] == ["body"] and len(parts) > 2 else 1
    return ".".join(parts[skip:])


def install(api: Any) -> None:
    """Register the handlers that turn every error into a problem document."""
    from django.core.exceptions import PermissionDenied, ValidationError
    from ninja.errors import AuthenticationError, HttpError
    from ninja.errors import ValidationError as NinjaValidationError

    @api.exception_handler(ApiProblem)
    def _problem(request: HttpRequest, exc: ApiProblem) -> HttpResponse:
        response = problem_response(request, exc.status, exc.code, exc.detail, exc.errors)
        retry_after = getattr(exc, "retry_after", None)
        if retry_after is not None:
            response["Retry-After"] = str(max(1, int(retry_after)))
        return response

    @api.exception_handler(AuthenticationError)
    def _auth(request: HttpRequest, exc: Exception) -> HttpResponse:
        return problem_response(request, 401, "not_authenticated", _("Please log in or send a valid API token."))

    @api.exception_handler(PermissionDenied)
    def _denied(request: HttpRequest, exc: Exception) -> HttpResponse:
        return problem_response(request, 403, "permission_denied", str(exc) or _("You may not do this."))

    @api.exception_handler(NinjaValidationError)
    def _invalid(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
        errors = [{"field": _field_name(e.get("loc", ())), "message": e.get("msg", "")} for e in exc.errors]
        return problem_response(request, 422, "validation_error", _("Some fields are not valid."), errors)

    @api.exception_handler(ValidationError)
    def _model_invalid(request: HttpRequest, exc: ValidationError) -> HttpResponse:
        if hasattr(exc, "error_dict"):
            errors = [{"field": f, "message": " ".join(str(m) for m in msgs)} for f, msgs in exc.message_dict.items()]
        else:
            errors = [{"field": "", "message": " ".join(exc.messages)}]
        return problem_response(request, 422, "validation_error", _("Some fields are not valid."), errors)

    @api.exception_handler(HttpError)
    def _http(request: HttpRequest, exc: HttpError) -> HttpResponse:
        return problem_response(request, exc.status_code, f"http_{exc.status_code}", str(exc))
