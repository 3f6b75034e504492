"""
``/api/code/run/``, ``/api/submissions/submissions/`` and ``/api/grading/...``: each view checks its input
and hands over to a service (``runs``, ``services``, ``grading``); none of them runs learner code.
"""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.views import APIView

from assignments.models import Assignment
from autograder.api import ok
from users.permissions import IsTeacher

from . import grading, runs, services
from .filters import SubmissionFilter
from .models import Submission
from .serializers import (
    CodeInSerializer,
    CodeRunSerializer,
    GradeSerializer,
    RunAutograderSerializer,
    SubmissionSerializer,
)


def describe(submissions, request, many=False):
    """Serialize with the grading state and the score the reader may see (``services.as_seen_by``)."""
    seen = services.as_seen_by(request.user, submissions if many else [submissions])
    return SubmissionSerializer(seen if many else seen[0], many=many).data


class CodeRunView(APIView):
    @extend_schema(
        request=CodeInSerializer,
        responses={
            200: CodeRunSerializer,
            429: OpenApiResponse(
                description="Too many code runs: CODE_RUNS_IN_FLIGHT waiting, or CODE_RUNS_PER_MINUTE in the last "
                "minute (Retry-After: seconds to wait)"
            ),
        },
    )
    def post(self, request):
        serializer = CodeInSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        run = runs.run_code(request.user, serializer.validated_data["question_id"], serializer.validated_data["code"])
        message = "Timed out waiting for the grader." if run.status == run.Status.TIMED_OUT else "Run finished."
        return ok(CodeRunSerializer(run).data, message)


class SubmissionViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = SubmissionSerializer
    filterset_class = SubmissionFilter

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation: no user
            return Submission.objects.none()
        return services.visible_submissions(self.request.user)

    def list(self, request):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(describe(page, request, many=True))

    def retrieve(self, request, pk=None):
        return ok(describe(self.get_object(), request))

    @extend_schema(request=CodeInSerializer, responses={201: SubmissionSerializer})
    def create(self, request):
        serializer = CodeInSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        submission = services.submit(
            request.user, serializer.validated_data["question_id"], serializer.validated_data["code"]
        )
        return ok(describe(submission, request), "Submitted for grading.", status.HTTP_201_CREATED)


class RunAutograderView(APIView):
    permission_classes = [IsTeacher]

    @extend_schema(
        request=RunAutograderSerializer,
        responses={202: inline_serializer("Queued", {"queued": serializers.IntegerField()})},
    )
    def post(self, request):
        serializer = RunAutograderSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        if "assignment_id" in data:
            assignment = _existing(Assignment.objects.select_related("klass"), data["assignment_id"], "assignment_id")
            count = grading.rerun_assignment(request.user, assignment)
        else:
            submission = _existing(
                Submission.objects.filter(active=True).select_related("assignment__klass"),
                data["submission_id"],
                "submission_id",
            )
            count = grading.rerun_submission(request.user, submission)
        return ok({"queued": count}, f"{count} submission(s) queued for the autograder.", status.HTTP_202_ACCEPTED)


def _existing(queryset, pk, field):
    found = queryset.filter(pk=pk).first()
    if found is None:
        raise serializers.ValidationError({field: ["Not found."]})
    return found


class _GradingView(APIView):
    permission_classes = [IsTeacher]

    def submission(self, pk):
        return get_object_or_404(
            Submission.objects.filter(active=True).select_related("question", "assignment__klass", "student"), pk=pk
        )


class GradeView(_GradingView):
    @extend_schema(
        request=GradeSerializer,
        responses=inline_serializer(
            "GradeResult",
            {
                "points": serializers.IntegerField(),
                "comment": serializers.CharField(),
                "published": serializers.BooleanField(),
            },
        ),
    )
    def put(self, request, pk):
        serializer = GradeSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        submission = grading.grade(request.user, self.submission(pk), **serializer.validated_data)
        data = {**serializer.validated_data, "id": submission.pk, "published": submission.published}
        return ok(data, "Grade saved; publish it to show it to the student.")


class PublishView(_GradingView):
    @extend_schema(
        request=None,
        responses=inline_serializer(
            "Published", {"id": serializers.IntegerField(), "published": serializers.BooleanField()}
        ),
    )
    def post(self, request, pk):
        submission = grading.publish(request.user, self.submission(pk))
        return ok(
            {"id": submission.pk, "published": submission.published, "published_at": submission.published_at},
            "Grade published.",
        )
