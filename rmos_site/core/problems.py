"""One error type and one handler: every 4xx/5xx answer of the API is an RFC 9457 problem body.

``{"type", "title", "status", "detail", "error", ...}`` where ``error`` is the stable code integrators match
on (the seed's codes: ``SAFETY_BLOCKED``, ``RUN_NOT_FOUND``, ...). Extra members (``run_id``, ``errors``,
``allowed_actions``) are added by whoever raises.
"""

import logging

from django.core.exceptions import RequestDataTooBig
from django.db import InterfaceError, OperationalError
from django.http import Http404, JsonResponse
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import exception_handler

logger = logging.getLogger("rmos")

PROBLEM_CONTENT_TYPE = "application/problem+json"
PROBLEM_TYPE_BASE = "https://rmos.example/problems/"


class ProblemError(Exception):
    """Raise this from services and views; the handler turns it into a problem response."""

    def __init__(self, *, status: int, error: str, title: str, detail: str = "", **extra):
        super().__init__(detail or title)
        self.status = status
        self.error = error
        self.title = title
        self.detail = detail or title
        self.extra = extra

    def body(self) -> dict:
        return problem_body(status=self.status, error=self.error, title=self.title, detail=self.detail, **self.extra)


def problem_body(*, status: int, error: str, title: str, detail: str, **extra) -> dict:
    body = {
        "type": PROBLEM_TYPE_BASE + error.lower().replace("_", "-"),
        "title": title,
        "status": status,
        "detail": detail,
        "error": error,
    }
    body.update(extra)
    return body


def problem_response(body: dict, headers: dict | None = None) -> Response:
    response = Response(body, status=body["status"], content_type=PROBLEM_CONTENT_TYPE, headers=headers)
    return response


# DRF's own exceptions mapped to stable codes.
_DRF_CODES: list[tuple[type[exceptions.APIException], str, str]] = [
    (exceptions.ParseError, "MALFORMED_REQUEST", "Malformed request body"),
    (exceptions.ValidationError, "VALIDATION_ERROR", "Invalid request"),
    (exceptions.NotAuthenticated, "NOT_AUTHENTICATED", "Authentication required"),
    (exceptions.AuthenticationFailed, "AUTHENTICATION_FAILED", "Authentication failed"),
    (exceptions.PermissionDenied, "PERMISSION_DENIED", "Permission denied"),
    (exceptions.NotFound, "NOT_FOUND", "Not found"),
    (exceptions.MethodNotAllowed, "METHOD_NOT_ALLOWED", "Method not allowed"),
    (exceptions.NotAcceptable, "NOT_ACCEPTABLE", "Not acceptable"),
    (exceptions.UnsupportedMediaType, "UNSUPPORTED_MEDIA_TYPE", "Unsupported media type"),
    (exceptions.Throttled, "THROTTLED", "Too many requests"),
]


def _drf_problem(exc: exceptions.APIException) -> dict:
    code, title = next(
        ((code, title) for klass, code, title in _DRF_CODES if isinstance(exc, klass)), ("ERROR", "Error")
    )
    extra = {}
    if isinstance(exc, exceptions.ValidationError):
        extra["errors"] = exc.detail
        detail = first_validation_message(exc.detail)
    else:
        detail = str(exc.detail)
    return problem_body(status=exc.status_code, error=code, title=title, detail=detail, **extra)


def first_validation_message(detail, path: str = "") -> str:
    """A readable one-liner for ``detail``: the first field error with its path."""
    if isinstance(detail, dict):
        for key, value in detail.items():
            sub = f"{path}.{key}" if path else str(key)
            if key == "non_field_errors":
                sub = path
            return first_validation_message(value, sub)
    if isinstance(detail, list) and detail:
        return first_validation_message(detail[0], path)
    return f"{path}: {detail}" if path else str(detail)


DATABASE_UNAVAILABLE = {
    "status": 503,
    "error": "DATABASE_UNAVAILABLE",
    "title": "Database unavailable",
    "detail": "The database cannot be reached; retry shortly. Nothing was recorded.",
}


def problem_exception_handler(exc, context):
    if isinstance(exc, ProblemError):
        return problem_response(exc.body())
    if isinstance(exc, RequestDataTooBig):
        return problem_response(
            problem_body(status=413, error="PAYLOAD_TOO_LARGE", title="Request body too large", detail=str(exc))
        )
    if isinstance(exc, Http404):
        exc = exceptions.NotFound(str(exc) or "Not found.")
    if isinstance(exc, (OperationalError, InterfaceError)):
        logger.warning("database unavailable: %s", exc)
        return problem_response(problem_body(**DATABASE_UNAVAILABLE), headers={"Retry-After": "5"})
    response = exception_handler(exc, context)
    if response is not None:
        headers = {k: v for k, v in response.headers.items() if k in ("WWW-Authenticate", "Allow", "Retry-After")}
        return problem_response(_drf_problem(exc), headers=headers)
    logger.exception("unhandled error in %s", context.get("view").__class__.__name__, exc_info=exc)
    return problem_response(
        problem_body(
            status=500,
            error="INTERNAL_ERROR",
            title="Internal server error",
            detail="An unexpected error occurred; it has been logged.",
        )
    )


def _wants_problem(request) -> bool:
    return request.path.startswith("/api/")


class DatabaseUnavailableMiddleware:
    """Outside DRF views (pages, admin), a lost database connection is a 503, not a 500 page."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, (OperationalError, InterfaceError)):
            logger.warning("database unavailable: %s", exception)
            response = JsonResponse(DATABASE_UNAVAILABLE, status=503, content_type=PROBLEM_CONTENT_TYPE)
            response["Retry-After"] = "5"
            return response
        return None


def handler404(request, exception=None):
    from django.views.defaults import page_not_found

    if _wants_problem(request):
        body = problem_body(status=404, error="NOT_FOUND", title="Not found", detail=f"No endpoint at {request.path}")
        return JsonResponse(body, status=404, content_type=PROBLEM_CONTENT_TYPE)
    return page_not_found(request, exception)


def handler500(request):
    from django.views.defaults import server_error

    if _wants_problem(request):
        body = problem_body(
            status=500,
            error="INTERNAL_ERROR",
            title="Internal server error",
            detail="An unexpected error occurred; it has been logged.",
        )
        return JsonResponse(body, status=500, content_type=PROBLEM_CONTENT_TYPE)
    return server_error(request)


def handler400(request, exception=None):
    from django.views.defaults import bad_request

    if _wants_problem(request):
        body = problem_body(
            status=400, error="BAD_REQUEST", title="Bad request", detail=str(exception or "Bad request")
        )
        return JsonResponse(body, status=400, content_type=PROBLEM_CONTENT_TYPE)
    return bad_request(request, exception)
