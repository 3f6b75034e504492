"""
The OpenAPI description of the instructor API's operations: :data:`OPERATIONS` describes each view of
:mod:`submissions.instructor_v2.views` (every view has one method), and :class:`InstructorAutoSchema`, set on
the views when this module is imported, reads it through the hooks drf-spectacular documents for overriding
its ``AutoSchema``. Whatever the host's ``DEFAULT_SCHEMA_CLASS`` is, these views are described by it.

The schema view imports this module; the views import nothing from drf-spectacular, so without the
``[instructor]`` extra the URLconf still loads and ``manage.py check`` reports the missing package
(``submissions_instructor.E004``) instead of raising an ``ImportError``.
"""

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse

from submissions.instructor_v2 import serializers as s
from submissions.instructor_v2 import views

__all__ = ["InstructorAutoSchema", "OPERATIONS"]


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


def _learner_query(required=False, description=None):
    return OpenApiParameter(
        "learner",
        OpenApiTypes.STR,
        OpenApiParameter.QUERY,
        required=required,
        description=description,
        examples=[OpenApiExample("learner", value="alice")],
    )


LEARNER_QUERY = _learner_query(description="Username or email; omit for all learners.")
ONLY_IF_HIGHER_QUERY = OpenApiParameter(
    "only_if_higher",
    OpenApiTypes.STR,
    OpenApiParameter.QUERY,
    required=False,
    description="true/false, 1/0, yes/no (default false); also accepted in the body.",
)

#: The answers of an operation on one learner (200) or, without ``learner``, on all of them (202, a task).
ONE_LEARNER_OR_A_TASK = {
    200: s.SyncOperationResultSerializer,
    202: s.AsyncOperationResultSerializer,
    409: _ERROR,
    **COMMON_ERRORS,
}

OPERATIONS = {
    views.LearnerView: {
        "operation_id": "getLearner",
        "summary": "A learner of the course, by username or email",
        "parameters": [
            COURSE,
            OpenApiParameter(
                "email_or_username",
                OpenApiTypes.STR,
                OpenApiParameter.PATH,
                examples=[OpenApiExample("learner", value="alice")],
            ),
        ],
        "responses": {200: s.LearnerSerializer, **COMMON_ERRORS},
    },
    views.ProblemView: {
        "operation_id": "getProblem",
        "summary": "A problem, with a learner's current score and attempts when one is named",
        "parameters": [
            COURSE,
            _usage_param("location"),
            OpenApiParameter(
                "email_or_username", OpenApiTypes.STR, OpenApiParameter.QUERY, required=False, description="Learner."
            ),
        ],
        "responses": {200: s.ProblemSerializer, **COMMON_ERRORS},
    },
    views.GradingConfigView: {
        "operation_id": "getGradingConfig",
        "summary": "The course's grading policy",
        "parameters": [COURSE],
        "responses": {200: s.GradingConfigSerializer, **COMMON_ERRORS},
    },
    views.ResetAttemptsView: {
        "operation_id": "resetAttempts",
        "summary": "Reset attempts: one learner (200) or all learners (202, a task)",
        "parameters": [COURSE, _usage_param("problem"), LEARNER_QUERY],
        "request": s.LearnerRequestSerializer,
        "responses": ONE_LEARNER_OR_A_TASK,
    },
    views.DeleteStateView: {
        "operation_id": "deleteState",
        "summary": "Delete a learner's state on the problem (learner required; irreversible)",
        "parameters": [
            COURSE,
            _usage_param("problem"),
            _learner_query(required=True),
        ],
        "request": None,
        "responses": {200: s.SyncOperationResultSerializer, **COMMON_ERRORS},
    },
    views.RescoreView: {
        "operation_id": "rescore",
        "summary": "Rescore: one learner (200) or all learners (202, a task)",
        "parameters": [COURSE, _usage_param("problem"), LEARNER_QUERY, ONLY_IF_HIGHER_QUERY],
        "request": s.RescoreRequestSerializer,
        "responses": ONE_LEARNER_OR_A_TASK,
    },
    views.ScoreOverrideView: {
        "operation_id": "overrideScore",
        "summary": "Override a learner's score, in points (learner required)",
        "parameters": [
            COURSE,
            _usage_param("problem"),
            _learner_query(description="Username or email (required, in the query or the body)."),
        ],
        "request": s.OverrideScoreRequestSerializer,
        "examples": [OpenApiExample("override", value={"score": 3, "reason": "regrade request"}, request_only=True)],
        "responses": {200: s.SyncOperationResultSerializer, **COMMON_ERRORS},
    },
    views.TaskStatusView: {
        "operation_id": "getTaskStatus",
        "summary": "Status and progress of a background task",
        "parameters": [COURSE, OpenApiParameter("task_id", OpenApiTypes.STR, OpenApiParameter.PATH)],
        "responses": {200: s.TaskStatusSerializer, **COMMON_ERRORS},
    },
}


class InstructorAutoSchema(AutoSchema):
    """drf-spectacular's AutoSchema, with each operation's description taken from :data:`OPERATIONS`."""

    def _described(self, key, default):
        return OPERATIONS[type(self.view)].get(key, default)

    def get_operation_id(self):
        return self._described("operation_id", None) or super().get_operation_id()

    def get_summary(self):
        return self._described("summary", None)

    def get_tags(self):
        return ["instructor"]

    def get_override_parameters(self):
        return self._described("parameters", [])

    def get_request_serializer(self):
        described = OPERATIONS[type(self.view)]
        return described["request"] if "request" in described else super().get_request_serializer()

    def get_response_serializers(self):
        return OPERATIONS[type(self.view)]["responses"]

    def get_examples(self):
        return self._described("examples", [])


views.InstructorAPIView.schema = InstructorAutoSchema()
