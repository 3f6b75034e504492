"""
``XQueueViewSet``: the XQueue-compatible grader interface spoken by xqueue-watcher.

Each action parses its input, makes one call to the queue service and answers with the
``{"return_code", "content"}`` envelope (``docs/graders.rst``, Wire format). Every error, including
authentication failures, bad input and internal errors, goes through :func:`exception_response`, the
one place where exceptions become envelopes and status codes. Business errors never use the
statuses (301, 302, 401, 403) that make the watcher log in again. See ADR 0008.
"""

import logging

from django.contrib.auth import logout as django_logout
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation, TooManyFieldsSent
from django.middleware.csrf import get_token
from django.urls import NoReverseMatch, reverse
from rest_framework import exceptions as drf_exceptions
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.viewsets import ViewSet

from submissions import metrics
from submissions.conf import app_settings
from submissions.errors import (
    ExternalGraderBusyError,
    ExternalGraderNotFoundError,
    GraderReplyError,
    IncorrectPullKeyError,
    SubmissionError,
    UnknownQueueError,
)
from submissions.external_grader import login as login_flow
from submissions.external_grader import permissions as grader_permissions
from submissions.external_grader import queue
from submissions.external_grader.authentication import GraderSessionAuthentication
from submissions.external_grader.files import get_files_for_grader
from submissions.external_grader.protocol import (
    EnvelopeRenderer,
    build_submission_content,
    clean_queue_name,
    envelope,
    parse_reply,
    submission_id_in_range,
)
from submissions.parsers import BoundedJSONParser

__all__ = ["XQueueViewSet", "exception_response"]

log = logging.getLogger(__name__)

LOGIN_REQUIRED = "login_required"
NOT_AUTHORISED = "User is not authorised to use the grader interface"
INCORRECT_REPLY = "Incorrect reply format"
INSUFFICIENT_LOGIN = "Insufficient login info"
INCORRECT_CREDENTIALS = "Incorrect login credentials"
TOO_MANY_LOGINS = "Too many failed login attempts, try again later"
INTERNAL_ERROR = "Internal server error"

#: The message of each typed queue error on the wire (the spec's tables); others use str(exc).
ERROR_MESSAGES = {
    GraderReplyError: INCORRECT_REPLY,
    ExternalGraderNotFoundError: "Submission does not exist",
    ExternalGraderBusyError: "Submission is currently being processed",
    IncorrectPullKeyError: "Incorrect key for submission",
}

#: What a request whose input cannot be parsed gets, per action.
BAD_INPUT_MESSAGES = {
    "login": INSUFFICIENT_LOGIN,
    "put_result": INCORRECT_REPLY,
    "get_submission": "'get_submission' must provide parameter 'queue_name'",
    "get_queuelen": "'get_queuelen' must provide parameter 'queue_name'",
}

#: Actions that need no authenticated grader.
PUBLIC_ACTIONS = frozenset({"login", "logout", "status"})

#: The one method each grader action is documented with (for the 405 message).
ACTION_METHODS = {"put_result": "POST", "get_submission": "GET", "get_queuelen": "GET"}


def _reply(success, content, status_code=status.HTTP_200_OK, **kwargs):
    return Response(envelope(success, content), status=status_code, **kwargs)


def _login_url(request):
    namespace = request.resolver_match.namespace if request.resolver_match else ""
    name = f"{namespace}:xqueue-login" if namespace else "xqueue-login"
    try:
        return reverse(name)
    except NoReverseMatch:
        return request.path.rstrip("/").rsplit("/", 1)[0] + "/login/"


def exception_response(exc, request, action_name):
    """Map any exception raised while handling a grader request to an envelope response."""
    if isinstance(exc, (drf_exceptions.NotAuthenticated, drf_exceptions.AuthenticationFailed)):
        if app_settings.XQUEUE_LEGACY_REDIRECT:
            return _reply(False, LOGIN_REQUIRED, status.HTTP_302_FOUND, headers={"Location": _login_url(request)})
        return _reply(False, LOGIN_REQUIRED, status.HTTP_401_UNAUTHORIZED)
    if isinstance(exc, drf_exceptions.PermissionDenied):
        return _reply(False, NOT_AUTHORISED, status.HTTP_403_FORBIDDEN)
    if isinstance(exc, drf_exceptions.MethodNotAllowed):
        method = ACTION_METHODS.get(action_name)
        message = f"'{action_name}' must use HTTP {method}" if method else f"Method '{request.method}' not allowed"
        return _reply(False, message, status.HTTP_405_METHOD_NOT_ALLOWED)
    if isinstance(exc, (drf_exceptions.ParseError, drf_exceptions.UnsupportedMediaType, SuspiciousOperation)):
        # Non-JSON JSON bodies (or beyond bounded_json's limits), unknown content types, oversized bodies, too many
        # fields.
        if isinstance(exc, (RequestDataTooBig, TooManyFieldsSent)):
            log.info("XQueue %s: request body refused (%s)", action_name, type(exc).__name__)
        return _reply(False, BAD_INPUT_MESSAGES.get(action_name, INCORRECT_REPLY), status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, SubmissionError):
        if exc.status_code >= 500:
            log.error("XQueue %s failed: %r", action_name, exc)
            return _reply(False, INTERNAL_ERROR, exc.status_code)
        for error_class, message in ERROR_MESSAGES.items():
            if isinstance(exc, error_class):
                return _reply(False, message, exc.status_code)
        return _reply(False, str(exc), exc.status_code)
    if isinstance(exc, drf_exceptions.APIException):
        return _reply(False, str(exc.detail), exc.status_code)
    # The boundary of the grader interface: log and answer 500 inside the envelope.
    log.error("XQueue %s: unexpected error", action_name, exc_info=exc)
    return _reply(False, INTERNAL_ERROR, status.HTTP_500_INTERNAL_SERVER_ERROR)


def _files_for_grader(detail, request):
    base_url = app_settings.PUBLIC_BASE_URL or request.build_absolute_uri("/").rstrip("/")
    return get_files_for_grader(detail, base_url=base_url)


class XQueueViewSet(ViewSet):
    """
    The grader interface: ``login/``, ``logout/``, ``status/``, ``get_queuelen/``,
    ``get_submission/``, ``put_result/``. Session authentication, CSRF-exempt, JSON only.
    """

    authentication_classes = [GraderSessionAuthentication]
    permission_classes = [grader_permissions.IsGrader]
    renderer_classes = [EnvelopeRenderer]
    # Form fields as the watcher sends them (url-encoded, or multipart as legacy XQueue accepted), or a JSON object
    # (nesting and number literals bounded: ADR 0050).
    parser_classes = [FormParser, MultiPartParser, BoundedJSONParser]
    throttle_classes = []
    versioning_class = None  # whatever the host's DRF defaults are, this interface has one version
    metadata_class = None  # OPTIONS answers 405 inside the envelope, like every other method

    def get_permissions(self):
        if self.action in PUBLIC_ACTIONS:
            return [AllowAny()]
        return super().get_permissions()

    def perform_content_negotiation(self, request, force=False):
        # Always JSON, whatever the Accept header says.
        renderer = EnvelopeRenderer()
        return renderer, renderer.media_type

    def perform_authentication(self, request):
        # Public actions do not load the session's user unless they need it.
        if self.action not in PUBLIC_ACTIONS:
            super().perform_authentication(request)

    def initial(self, request, *args, **kwargs):
        # A method the route does not serve is answered 405 before authentication (not 401).
        if self.action in (None, "metadata"):  # DRF names OPTIONS "metadata"; we serve no metadata
            raise drf_exceptions.MethodNotAllowed(request.method)
        super().initial(request, *args, **kwargs)

    def route_action(self):
        """The action of this URL, even when the request's method maps to none."""
        if self.action and self.action != "metadata":
            return self.action
        names = set(getattr(self, "action_map", {}).values())
        return names.pop() if len(names) == 1 else "unknown"

    def handle_exception(self, exc):
        response = exception_response(exc, self.request, self.route_action())
        response.exception = True
        return response

    # -- public actions --

    @action(detail=False, methods=["get", "post"], url_path="login", url_name="login")
    def login(self, request):
        if request.method == "GET":
            get_token(request._request)
            return _reply(True, "")
        data = request.data
        username = data.get("username") if hasattr(data, "get") else None
        password = data.get("password") if hasattr(data, "get") else None
        if not isinstance(username, str) or not isinstance(password, str) or not username or not password:
            metrics.record.login("missing_credentials")
            return _reply(False, INSUFFICIENT_LOGIN, status.HTTP_400_BAD_REQUEST)
        result = login_flow.log_in(request._request, username, password)
        if result.outcome is login_flow.Outcome.BLOCKED:
            headers = {"Retry-After": str(result.retry_after)}
            return _reply(False, TOO_MANY_LOGINS, status.HTTP_429_TOO_MANY_REQUESTS, headers=headers)
        if result.outcome is login_flow.Outcome.INCORRECT:
            return _reply(False, INCORRECT_CREDENTIALS, status.HTTP_401_UNAUTHORIZED)
        if result.outcome is login_flow.Outcome.NOT_GRADER:
            return _reply(False, NOT_AUTHORISED, status.HTTP_403_FORBIDDEN)
        request.user = result.user
        return _reply(True, "Logged in")

    @action(detail=False, methods=["get", "post", "put", "patch", "delete"], url_path="logout", url_name="logout")
    def logout(self, request):
        django_logout(request._request)
        return _reply(True, "Goodbye")

    @action(detail=False, methods=["get", "post"], url_path="status", url_name="status")
    def status(self, request):
        return _reply(True, "OK")

    # -- grader actions --

    def _queue_name(self, request):
        raw = request.query_params.get("queue_name")
        if not raw:
            return None
        name = clean_queue_name(raw)
        if name is None:
            raise UnknownQueueError(raw[:128])
        grader_permissions.check_queue_allowed(request.user, name)
        return name

    @action(detail=False, methods=["get"], url_path="get_queuelen", url_name="get_queuelen")
    def get_queuelen(self, request):
        queue_name = self._queue_name(request)
        if queue_name is None:
            return _reply(False, BAD_INPUT_MESSAGES["get_queuelen"], status.HTTP_400_BAD_REQUEST)
        return _reply(True, queue.queue_length(queue_name))

    @action(detail=False, methods=["get"], url_path="get_submission", url_name="get_submission")
    def get_submission(self, request):
        queue_name = self._queue_name(request)
        if queue_name is None:
            return _reply(False, BAD_INPUT_MESSAGES["get_submission"], status.HTTP_400_BAD_REQUEST)
        pulled = queue.take(queue_name, grader=request.user)
        if pulled is None:
            return _reply(False, f"Queue '{queue_name}' is empty")
        files = _files_for_grader(pulled.row, request) if pulled.may_have_files else {}
        content = build_submission_content(pulled.row, files)
        return _reply(True, content)

    @action(detail=False, methods=["post"], url_path="put_result", url_name="put_result")
    def put_result(self, request):
        header, body = parse_reply(request.data)
        if not submission_id_in_range(header.submission_id):
            raise ExternalGraderNotFoundError(f"No grader row for submission {header.submission_id}")
        grader_permissions.check_reply_allowed(request.user, header.submission_id)
        queue.put_result(header.submission_id, header.submission_key, body)
        return _reply(True, "")
