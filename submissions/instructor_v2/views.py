"""
Views of the instructor API: thin adapters. Each parses keys and parameters, calls one service, and
renders the result through the schema's serializer. Errors go through :func:`exceptions.exception_handler`.
"""

from django.db import DataError
from django.urls import reverse
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
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
    """Base of every endpoint: the host's authentication, JSON out, our error handler and schema class."""

    renderer_classes = [JSONRenderer]
    parser_classes = [JSONParser, FormParser, MultiPartParser]
    permission_classes = [IsAuthenticatedUser]
    content_negotiation_class = JSONOnlyNegotiation
    schema = AutoSchema()

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


def documented(**kwargs):
    """``extend_schema`` on top of drf-spectacular's AutoSchema, whatever the host's DEFAULT_SCHEMA_CLASS is."""

    def decorate(method):
        method.kwargs = {"schema": AutoSchema}
        return extend_schema(tags=["instructor"], **kwargs)(method)

    return decorate


_ERROR = OpenApiResponse(s.ErrorSerializer, description="Error")
COMMON_ERRORS = {400: _ERROR, 401: _ERROR, 403: _ERROR, 404: _ERROR, 500: _ERROR}
COURSE = OpenApiParameter(
    "course_key",
    OpenApiTypes.STR,
    OpenApiParameter.PATH,
    description="Course key, e.g. course-v1:edX+DemoX+Demo_Course (raw or %-encoded).",
    examples=[OpenApiExample("course", value="course-v1:edX+DemoX+Demo_Course")],
)
EXAMPLE_USAGE_KEY = "block-v1:edX+DemoX+Demo_Course+type@problem+block@p1"


def _usage_param(name):
    return OpenApiParameter(
        name,
        OpenApiTypes.STR,
        OpenApiParameter.PATH,
        description="Usage key, e.g. block-v1:edX+DemoX+Demo_Course+type@problem+block@abc (raw or %-encoded).",
        examples=[OpenApiExample("problem", value=EXAMPLE_USAGE_KEY)],
    )


LEARNER_QUERY = OpenApiParameter(
    "learner",
    OpenApiTypes.STR,
    OpenApiParameter.QUERY,
    required=False,
    description="Username or email; omit for all learners.",
    examples=[OpenApiExample("learner", value="alice")],
)
ONLY_IF_HIGHER_QUERY = OpenApiParameter(
    "only_if_higher",
    OpenApiTypes.STR,
    OpenApiParameter.QUERY,
    required=False,
    description="true/false, 1/0, yes/no (default false); also accepted in the body.",
)


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

    @documented(
        operation_id="getLearner",
        summary="A learner of the course, by username or email",
        parameters=[
            COURSE,
            OpenApiParameter(
                "email_or_username",
                OpenApiTypes.STR,
                OpenApiParameter.PATH,
                examples=[OpenApiExample("learner", value="alice")],
            ),
        ],
        responses={200: s.LearnerSerializer, **COMMON_ERRORS},
    )
    def get(self, request, course_key, email_or_username):
        data = services.get_learner(request.user, self.course_key(), email_or_username)
        return Response(s.LearnerSerializer(data).data)


class ProblemView(InstructorAPIView):
    """A problem of the course; with ``email_or_username``, that learner's current score and attempts."""

    @documented(
        operation_id="getProblem",
        summary="A problem, with a learner's current score and attempts when one is named",
        parameters=[
            COURSE,
            _usage_param("location"),
            OpenApiParameter(
                "email_or_username", OpenApiTypes.STR, OpenApiParameter.QUERY, required=False, description="Learner."
            ),
        ],
        responses={200: s.ProblemSerializer, **COMMON_ERRORS},
    )
    def get(self, request, course_key, location):
        course = self.course_key()
        identifier = get_param(request, "email_or_username", "learner")
        data = services.get_problem(request.user, course, self.usage_key(course, "location"), identifier)
        return Response(s.ProblemSerializer(data).data)


class GradingConfigView(InstructorAPIView):
    """The course's grading policy (graders and grade cutoffs)."""

    @documented(
        operation_id="getGradingConfig",
        summary="The course's grading policy",
        parameters=[COURSE],
        responses={200: s.GradingConfigSerializer, **COMMON_ERRORS},
    )
    def get(self, request, course_key):
        data = services.get_grading_config(request.user, self.course_key())
        return Response(s.GradingConfigSerializer(data).data)


class ResetAttemptsView(InstructorAPIView):
    """Reset the attempt counter; answers, state and scores are kept. Without ``learner``: all learners, as a task."""

    @documented(
        operation_id="resetAttempts",
        summary="Reset attempts: one learner (200) or all learners (202, a task)",
        parameters=[COURSE, _usage_param("problem"), LEARNER_QUERY],
        request=s.LearnerRequestSerializer,
        responses={
            200: s.SyncOperationResultSerializer,
            202: s.AsyncOperationResultSerializer,
            409: _ERROR,
            **COMMON_ERRORS,
        },
    )
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

    @documented(
        operation_id="deleteState",
        summary="Delete a learner's state on the problem (learner required; irreversible)",
        parameters=[
            COURSE,
            _usage_param("problem"),
            OpenApiParameter(
                "learner",
                OpenApiTypes.STR,
                OpenApiParameter.QUERY,
                required=True,
                examples=[OpenApiExample("learner", value="alice")],
            ),
        ],
        request=None,
        responses={200: s.SyncOperationResultSerializer, **COMMON_ERRORS},
    )
    def delete(self, request, course_key, problem):
        course = self.course_key()
        usage = self.usage_key(course, "problem")
        return _sync(services.delete_state(request.user, course, usage, get_param(request, "learner")))


class RescoreView(InstructorAPIView):
    """Re-evaluate stored answers with the current grading. Without ``learner``: all learners, as a task."""

    @documented(
        operation_id="rescore",
        summary="Rescore: one learner (200) or all learners (202, a task)",
        parameters=[COURSE, _usage_param("problem"), LEARNER_QUERY, ONLY_IF_HIGHER_QUERY],
        request=s.RescoreRequestSerializer,
        responses={
            200: s.SyncOperationResultSerializer,
            202: s.AsyncOperationResultSerializer,
            409: _ERROR,
            **COMMON_ERRORS,
        },
    )
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

    @documented(
        operation_id="overrideScore",
        summary="Override a learner's score, in points (learner required)",
        parameters=[
            COURSE,
            _usage_param("problem"),
            OpenApiParameter(
                "learner",
                OpenApiTypes.STR,
                OpenApiParameter.QUERY,
                required=False,
                description="Username or email (required, in the query or the body).",
                examples=[OpenApiExample("learner", value="alice")],
            ),
        ],
        request=s.OverrideScoreRequestSerializer,
        examples=[OpenApiExample("override", value={"score": 3, "reason": "regrade request"}, request_only=True)],
        responses={200: s.SyncOperationResultSerializer, **COMMON_ERRORS},
    )
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

    @documented(
        operation_id="getTaskStatus",
        summary="Status and progress of a background task",
        parameters=[COURSE, OpenApiParameter("task_id", OpenApiTypes.STR, OpenApiParameter.PATH)],
        responses={200: s.TaskStatusSerializer, **COMMON_ERRORS},
    )
    def get(self, request, course_key, task_id):
        data = services.get_task_status(request.user, self.course_key(), task_id)
        return Response(s.TaskStatusSerializer(data).data)
