"""
The one exception handler of the instructor API: every error becomes the spec's ``Error`` object
``{"error", "message", "status_code", "field_errors"?}`` (400/401/403/404/405/409/500).
"""

import logging

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, JsonResponse
from django.urls import reverse
from rest_framework import exceptions as drf
from rest_framework.response import Response
from rest_framework.views import set_rollback

from submissions.errors import SubmissionError, TaskAlreadyRunningError

__all__ = ["exception_handler", "error_body", "not_found_view"]

logger = logging.getLogger(__name__)

#: Codes of the spec's Error schema (and ours) by HTTP status, for errors that carry no code of their own.
CODES_BY_STATUS = {
    400: "INVALID_PARAMETER",
    401: "AUTHENTICATION_REQUIRED",
    403: "PERMISSION_DENIED",
    404: "RESOURCE_NOT_FOUND",
    405: "METHOD_NOT_ALLOWED",
    409: "CONFLICT",
    500: "INTERNAL_ERROR",
}
SPEC_CODES = set(CODES_BY_STATUS.values()) | {"NOT_RESCORABLE", "TASK_ALREADY_RUNNING"}


def error_body(status, message, code=None, field_errors=None, **extra):
    body = {"error": code or CODES_BY_STATUS.get(status, "INTERNAL_ERROR"), "message": message, "status_code": status}
    if field_errors:
        body["field_errors"] = {str(key): _text(value) for key, value in field_errors.items()}
    body.update(extra)
    return body


def _text(value):
    if isinstance(value, list | tuple):
        return " ".join(_text(item) for item in value)
    if isinstance(value, dict):
        return "; ".join(f"{key}: {_text(item)}" for key, item in value.items())
    return str(value)


def _status_url(request, course_key, task_id):
    path = reverse("instructor_api_v2:task_status", kwargs={"course_key": course_key, "task_id": str(task_id)})
    return request.build_absolute_uri(path) if request is not None else path


def _from_submission_error(exc, request):
    status = exc.status_code if exc.status_code in CODES_BY_STATUS else 500
    code = exc.default_code if exc.default_code in SPEC_CODES else CODES_BY_STATUS[status]
    message = str(getattr(exc, "msg", "") or (exc.args[0] if exc.args else "") or code)
    extra = {}
    if isinstance(exc, TaskAlreadyRunningError):
        extra["task_id"] = str(exc.task_id)
        if getattr(exc, "course_key", None):
            extra["status_url"] = _status_url(request, exc.course_key, exc.task_id)
    if status == 500:
        logger.error("Internal error in the instructor API: %r", exc)
        message = "Internal error"
    return status, error_body(status, message, code, getattr(exc, "field_errors", None), **extra)


def exception_handler(exc, context):
    """DRF exception handler (set on the views) mapping every exception to an ``Error`` response."""
    request = context.get("request")
    headers = {}
    if isinstance(exc, SubmissionError):
        status, body = _from_submission_error(exc, request)
    elif isinstance(exc, drf.NotAuthenticated | drf.AuthenticationFailed):
        status = 401
        body = error_body(401, "Authentication credentials were not provided or are invalid.")
        view = context.get("view")
        challenge = view.get_authenticate_header(request) if view is not None and request is not None else None
        if challenge:
            headers["WWW-Authenticate"] = challenge
    elif isinstance(exc, drf.PermissionDenied | DjangoPermissionDenied):
        status, body = 403, error_body(403, str(getattr(exc, "detail", "")) or "Permission denied.")
    elif isinstance(exc, Http404 | drf.NotFound):
        status, body = 404, error_body(404, "Not found.")
    elif isinstance(exc, drf.MethodNotAllowed):
        status, body = 405, error_body(405, str(exc.detail))
        view = context.get("view")
        if view is not None:
            headers["Allow"] = ", ".join(view.allowed_methods)
    elif isinstance(exc, drf.ValidationError):
        detail = exc.detail if isinstance(exc.detail, dict) else {"non_field_errors": exc.detail}
        status, body = 400, error_body(400, "Invalid parameters.", field_errors=detail)
    elif isinstance(exc, drf.APIException) and exc.status_code < 500:
        status = 400
        body = error_body(400, _text(exc.detail))
    else:
        logger.error("Unexpected error in the instructor API", exc_info=exc)
        status, body = 500, error_body(500, "Internal error")
    set_rollback()
    return Response(body, status=status, headers=headers)


def not_found_view(request, *args, **kwargs):
    """Any path under the API's prefix that matches no endpoint: a 404 ``Error`` (JSON, not HTML)."""
    return JsonResponse(error_body(404, "Not found."), status=404)
