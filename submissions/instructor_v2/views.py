"""
Views of the instructor API: thin adapters. Each parses keys and parameters, calls one service, and
renders the result through the schema's serializer. Errors go through :func:`exceptions.exception_handler`.
Their OpenAPI description lives in :mod:`submissions.instructor_v2.openapi` (drf-spectacular).
"""

from django.db import DataError
from django.urls import reverse
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from submissions.instructor_v2 import serializers as s
from submissions.instructor_v2 import services
from submissions.instructor_v2.exceptions import exception_handler
from submissions.instructor_v2.keys import parse_course_key, parse_usage_key
from submissions.instructor_v2.models import GradingTask
from submissions.instructor_v2.params import get_param, parse_bool
from submissions.instructor_v2.permissions import IsAuthenticatedUser
from submissions.parsers import BoundedJSONParser

__all__ = [
    "LearnerView",
    "ProblemView",
    "GradingConfigView",
    "ResetAttemptsView",
    "DeleteStateView",
    "RescoreView",
    "ScoreOverrideView",
    "TaskStatusView",
]


class JSONOnlyNegotiation(BaseContentNegotiation):
    """Always JSON (the API has one representation), whatever the Accept header says."""

    def select_parser(self, request, parsers):
        for parser in parsers:
            if request.content_type.split(";")[0].strip() == parser.media_type:
                return parser
        return None

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


class InstructorAPIView(APIView):
    """Base of every endpoint: the host's authentication, JSON out, our error handler."""

    renderer_classes = [JSONRenderer]
    parser_classes = [BoundedJSONParser, FormParser, MultiPartParser]  # nesting and numbers bounded (ADR 0050)
    permission_classes = [IsAuthenticatedUser]
    content_negotiation_class = JSONOnlyNegotiation

    def get_exception_handler(self):
        return exception_handler

    def perform_authentication(self, request):
        try:
            super().perform_authentication(request)
        except DataError as exc:
            # Credentials the database cannot even compare (a NUL byte in a Basic-auth username reaches
            # PostgreSQL through Django's ModelBackend) are bad credentials, not a server error.
            raise AuthenticationFailed("Invalid credentials.") from exc

    def course_key(self):
        return parse_course_key(self.kwargs["course_key"])

    def usage_key(self, course_key, name):
        return parse_usage_key(self.kwargs[name], course_key, field=name)


def _sync(data):
    rendered = s.SyncOperationResultSerializer(data).data
    return Response({key: value for key, value in rendered.items() if key in data}, status=200)


def _async(request, task):
    path = reverse(
        "instructor_api_v2:task_status", kwargs={"course_key": task.course_key, "task_id": str(task.task_id)}
    )
    data = {
        "task_id": task.task_id,
        "status_url": request.build_absolute_uri(path),
        "scope": {"learners": "all", "problem_location": task.problem_key, "problems": task.problem_key},
    }
    return Response(s.AsyncOperationResultSerializer(data).data, status=202)


class LearnerView(InstructorAPIView):
    """A learner of the course, found by username or email."""

    def get(self, request, course_key, email_or_username):
        data = services.get_learner(request.user, self.course_key(), email_or_username)
        return Response(s.LearnerSerializer(data).data)


class ProblemView(InstructorAPIView):
    """A problem of the course; with ``email_or_username``, that learner's current score and attempts."""

    def get(self, request, course_key, location):
        course = self.course_key()
        identifier = get_param(request, "email_or_username", "learner")
        data = services.get_problem(request.user, course, self.usage_key(course, "location"), identifier)
        return Response(s.ProblemSerializer(data).data)


class GradingConfigView(InstructorAPIView):
    """The course's grading policy (graders and grade cutoffs)."""

    def get(self, request, course_key):
        data = services.get_grading_config(request.user, self.course_key())
        return Response(s.GradingConfigSerializer(data).data)


class ResetAttemptsView(InstructorAPIView):
    """Reset the attempt counter; answers, state and scores are kept. Without ``learner``: all learners, as a task."""

    def post(self, request, course_key, problem):
        course = self.course_key()
        usage = self.usage_key(course, "problem")
        learner = get_param(request, "learner")
        if learner in (None, ""):
            task = services.start_task(request.user, course, usage, GradingTask.Operation.RESET_ATTEMPTS)
            return _async(request, task)
        return _sync(services.reset_attempts(request.user, course, usage, learner))


class DeleteStateView(InstructorAPIView):
    """Delete everything a learner has on the problem (state, score, unfinished grading). Irreversible."""

    def delete(self, request, course_key, problem):
        course = self.course_key()
        usage = self.usage_key(course, "problem")
        return _sync(services.delete_state(request.user, course, usage, get_param(request, "learner")))


class RescoreView(InstructorAPIView):
    """Re-evaluate stored answers with the current grading. Without ``learner``: all learners, as a task."""

    def post(self, request, course_key, problem):
        course = self.course_key()
        usage = self.usage_key(course, "problem")
        learner = get_param(request, "learner")
        only_if_higher = parse_bool(get_param(request, "only_if_higher"), "only_if_higher")
        if learner in (None, ""):
            task = services.start_task(
                request.user, course, usage, GradingTask.Operation.RESCORE, {"only_if_higher": only_if_higher}
            )
            return _async(request, task)
        return _sync(services.rescore(request.user, course, usage, learner, only_if_higher=only_if_higher))


class ScoreOverrideView(InstructorAPIView):
    """Set a learner's score on the problem, in points from 0 to the problem's maximum."""

    def put(self, request, course_key, problem):
        course = self.course_key()
        usage = self.usage_key(course, "problem")
        score = get_param(request, "score", "new_score")
        reason = get_param(request, "reason") or ""
        data = services.override_score(
            request.user, course, usage, get_param(request, "learner"), score, reason=str(reason)
        )
        return _sync(data)


class TaskStatusView(InstructorAPIView):
    """State and progress of a background task; readable by its requester and the course's staff."""

    def get(self, request, course_key, task_id):
        data = services.get_task_status(request.user, self.course_key(), task_id)
        return Response(s.TaskStatusSerializer(data).data)
