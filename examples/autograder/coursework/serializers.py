"""Coursework in and out. A student's view drops hidden cases' data, and the score until it is published."""

from rest_framework import serializers

from assignments.models import Question
from users.serializers import UserSerializer

from .models import CodeRun, Submission

MAX_CODE = 65_536
#: What a student sees of a hidden test case's result: whether it passed and the verdict's sentence ("Wrong
#: answer.", "Time limit exceeded: ..."), never what the program printed (it can print its hidden input).
HIDDEN_FIELDS = ("name", "hidden", "passed", "status", "message", "points")


class CodeInSerializer(serializers.Serializer):
    question_id = serializers.IntegerField()
    code = serializers.CharField(max_length=MAX_CODE, trim_whitespace=False)

    def validate_question_id(self, value):
        question = Question.objects.select_related("assignment__klass").filter(pk=value).first()
        if question is None:
            raise serializers.ValidationError("No question has this id.")
        return question

    def validate_code(self, value):
        if not value.strip():
            raise serializers.ValidationError("This field may not be blank.")
        return value


def visible_results(results, *, full):
    """Per-case results as ``full`` (the class owner) or a student may see them."""
    if full:
        return results
    return [
        {key: case.get(key) for key in HIDDEN_FIELDS} if case.get("hidden") else case
        for case in results
        if isinstance(case, dict)
    ]


class CodeRunSerializer(serializers.ModelSerializer):
    question_id = serializers.IntegerField(read_only=True)
    results = serializers.SerializerMethodField()

    class Meta:
        model = CodeRun
        fields = ["id", "question_id", "status", "results", "compile_output", "created_at", "finished_at"]
        read_only_fields = fields

    def get_results(self, run) -> list:
        # a run only ever sees visible cases; the filter is the same belt as for submissions
        keys = ("name", "passed", "status", "message", "stdout", "stderr", "truncated", "time_ms")
        return [
            {key: case.get(key) for key in keys}
            for case in visible_results(run.results, full=False)
            if not case.get("hidden")
        ]


class SubmissionSerializer(serializers.ModelSerializer):
    """Of submissions prepared by ``services.as_seen_by`` (``state``, ``owner_view``, ``score``)."""

    question_id = serializers.IntegerField(read_only=True)
    assignment_id = serializers.IntegerField(read_only=True)
    student = UserSerializer(read_only=True)
    status = serializers.SerializerMethodField()
    results = serializers.SerializerMethodField()
    score = serializers.SerializerMethodField()
    points_possible = serializers.IntegerField(source="question.points", read_only=True)
    comment = serializers.SerializerMethodField()

    class Meta:
        model = Submission
        fields = [
            "id",
            "question_id",
            "assignment_id",
            "student",
            "status",
            "attempt",
            "submitted_at",
            "code",
            "results",
            "compile_output",
            "score",
            "points_possible",
            "comment",
            "published",
            "published_at",
        ]
        read_only_fields = fields

    def get_status(self, submission) -> str:
        return submission.state

    def get_results(self, submission) -> list:
        return visible_results(submission.results, full=submission.owner_view)

    def get_score(self, submission) -> int | None:
        return submission.score["points"] if submission.score else None

    def get_comment(self, submission) -> str:
        return submission.score["comment"] if submission.score else ""


class RunAutograderSerializer(serializers.Serializer):
    assignment_id = serializers.IntegerField(required=False)
    submission_id = serializers.IntegerField(required=False)

    def validate(self, attrs):
        if ("assignment_id" in attrs) == ("submission_id" in attrs):
            raise serializers.ValidationError(
                {"assignment_id": ["Give assignment_id or submission_id, not both or neither."]}
            )
        return attrs


class GradeSerializer(serializers.Serializer):
    points = serializers.IntegerField(min_value=0)
    comment = serializers.CharField(allow_blank=True, max_length=5000, default="", trim_whitespace=False)
