"""
The API's envelope, errors and pagination, shared by every app.

Every answer is ``{"success": true, "data": ..., "message": "..."}``; every error is
``{"success": false, "message": "...", "errors": {"field": ["..."]}}``. Views return plain data
(or :func:`ok` to add a message); :class:`EnvelopeRenderer` wraps it and :func:`exception_handler`
shapes the errors, so no view builds an envelope by hand.
"""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.pagination import PageNumberPagination
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from submissions.api import SubmissionNotFoundError, SubmissionRequestError

__all__ = [
    "Conflict",
    "EnvelopeRenderer",
    "Pagination",
    "exception_handler",
    "ok",
    "site_endpoints_only",
    "enveloped_schema",
]


class Conflict(exceptions.APIException):
    """409: the object's state forbids the request (closed assignment, archived class, past due...)."""

    status_code = status.HTTP_409_CONFLICT
    default_detail = "The request conflicts with the current state of the resource."
    default_code = "conflict"


class _Envelope(dict):
    """A response body that is already an envelope (the renderer leaves it alone)."""


def ok(data, message="", status_code=status.HTTP_200_OK):
    return Response(_Envelope(success=True, data=data, message=message), status=status_code)


class EnvelopeRenderer(JSONRenderer):
    def render(self, data, accepted_media_type=None, renderer_context=None):
        response = (renderer_context or {}).get("response")
        if response is not None and not isinstance(data, _Envelope) and response.status_code < 400:
            data = {"success": True, "data": data, "message": ""}
        return super().render(data, accepted_media_type, renderer_context)


class Pagination(PageNumberPagination):
    """``data`` = ``{"count", "next", "previous", "results"}``; ``?page=`` and ``?page_size=`` (max 100)."""

    page_size_query_param = "page_size"
    max_page_size = 100


def _field_errors(detail):
    """DRF's error detail as ``{field: [messages]}`` (nested serializers flattened with dots)."""
    if isinstance(detail, dict):
        errors = {}
        for field, value in detail.items():
            for key, messages in _field_errors(value).items():
                errors[field if key == "non_field_errors" else f"{field}.{key}"] = messages
        return errors
    if isinstance(detail, list):
        if any(isinstance(item, (dict, list)) for item in detail):
            errors = {}
            for index, item in enumerate(detail):
                for key, messages in _field_errors(item).items():
                    errors[str(index) if key == "non_field_errors" else f"{index}.{key}"] = messages
            return errors
        return {"non_field_errors": [str(item) for item in detail]}
    return {"non_field_errors": [str(detail)]}


_MESSAGES = {
    400: "Invalid input.",
    401: "Authentication credentials were not provided or are not valid.",
    403: "You do not have permission to perform this action.",
    404: "Not found.",
    405: "Method not allowed.",
    409: "Conflict.",
    429: "Too many requests.",
}


def exception_handler(exc, context):
    from rest_framework.views import exception_handler as drf_exception_handler  # (imports these settings)

    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    elif isinstance(exc, SubmissionNotFoundError):
        exc = exceptions.NotFound(str(exc) or None)
    elif isinstance(exc, SubmissionRequestError):  # the library refused the input: the client's mistake
        exc = exceptions.ValidationError(exc.field_errors or {"non_field_errors": [str(exc)]})
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    detail = getattr(exc, "detail", None)
    if isinstance(exc, exceptions.ValidationError):
        errors = _field_errors(detail)
        message = _MESSAGES[400]
        if list(errors) == ["non_field_errors"] and len(errors["non_field_errors"]) == 1:
            message = errors["non_field_errors"][0]
    else:
        errors = {}
        if isinstance(detail, dict):  # e.g. simplejwt: {"detail": ..., "code": ..., "messages": [...]}
            message = str(detail.get("detail") or _MESSAGES.get(response.status_code, "Error."))
        else:
            message = str(detail) if detail else _MESSAGES.get(response.status_code, "Error.")
    response.data = {"success": False, "message": message, "errors": errors}  # errors are never wrapped
    return response


# -- the OpenAPI schema (drf-spectacular hooks) --


def site_endpoints_only(endpoints, **kwargs):
    """The site's own API: the instructor API has its own schema, the grader interface is not for clients."""
    return [
        endpoint
        for endpoint in endpoints
        if endpoint[0].startswith("/api/") and not endpoint[0].startswith(("/api/instructor/", "/api/schema"))
    ]


_ERROR = {
    "type": "object",
    "properties": {
        "success": {"type": "boolean", "enum": [False]},
        "message": {"type": "string"},
        "errors": {"type": "object", "additionalProperties": {"type": "array", "items": {"type": "string"}}},
    },
    "required": ["success", "message", "errors"],
}


_ERROR_CONTENT = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}


def enveloped_schema(result, generator, request, public):
    """Show what the renderer sends: each 2xx body inside ``{success, data, message}``, errors as the envelope."""
    result.setdefault("components", {}).setdefault("schemas", {})["Error"] = _ERROR
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            responses = operation.get("responses", {})
            for code, response in responses.items():
                content = response.get("content", {}).get("application/json")
                if content is not None and str(code).startswith("2"):
                    content["schema"] = {
                        "type": "object",
                        "properties": {
                            "success": {"type": "boolean", "enum": [True]},
                            "data": content.get("schema", {}),
                            "message": {"type": "string"},
                        },
                        "required": ["success", "data", "message"],
                    }
            for code, text in ((400, "Invalid input"), (401, "Not signed in"), (403, "Forbidden"), (404, "Not found")):
                responses.setdefault(str(code), {"description": text, "content": _ERROR_CONTENT})
            for code, response in responses.items():  # errors a view declares (409, 429...) are envelopes too
                if str(code).startswith("4"):
                    response.setdefault("content", _ERROR_CONTENT)
    return result
