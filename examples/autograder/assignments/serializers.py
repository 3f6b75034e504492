"""Assignments in and out. Students never receive a hidden test case's input or expected output."""

from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from classes.models import Class
from users.serializers import UserSerializer

from .models import Assignment, Question, TestCase

MAX_TEXT = 65_536


class TestCaseInSerializer(serializers.Serializer):
    input = serializers.CharField(allow_blank=True, trim_whitespace=False, max_length=MAX_TEXT, default="")
    expected_output = serializers.CharField(allow_blank=True, trim_whitespace=False, max_length=MAX_TEXT)
    hidden = serializers.BooleanField(default=False)
    points = serializers.DecimalField(max_digits=9, decimal_places=3, min_value=0, required=False, allow_null=True)


class QuestionInSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    prompt = serializers.CharField(allow_blank=True, max_length=MAX_TEXT, default="")
    language = serializers.ChoiceField(choices=Question.Language.choices)
    points = serializers.IntegerField(min_value=1, max_value=1000, default=10)
    time_limit = serializers.IntegerField(min_value=1, max_value=10, default=2)
    starter_code = serializers.CharField(allow_blank=True, trim_whitespace=False, max_length=MAX_TEXT, default="")
    test_cases = TestCaseInSerializer(many=True, allow_empty=False, max_length=50)

    def validate(self, attrs):
        from .models import share_points

        try:
            shares = share_points(attrs["points"], [case.get("points") for case in attrs["test_cases"]])
        except ValueError as exc:
            raise serializers.ValidationError({"test_cases": [str(exc)]}) from exc
        for case, share in zip(attrs["test_cases"], shares, strict=True):
            case["points"] = share
        return attrs


class AssignmentInSerializer(serializers.Serializer):
    class_id = serializers.IntegerField()
    title = serializers.CharField(max_length=200)
    description = serializers.CharField(allow_blank=True, max_length=MAX_TEXT, default="")
    due_at = serializers.DateTimeField(allow_null=True)
    questions = QuestionInSerializer(many=True, allow_empty=False, max_length=50)

    def validate_class_id(self, value):
        if not Class.objects.filter(pk=value).exists():
            raise serializers.ValidationError("No class has this id.")
        return value

    def validate_due_at(self, value):
        if value is not None and value <= timezone.now():
            raise serializers.ValidationError("The due date must be in the future.")
        return value


class TestCaseSerializer(serializers.ModelSerializer):
    class Meta:
        model = TestCase
        fields = ["id", "input", "expected_output", "hidden", "points"]


class QuestionSerializer(serializers.ModelSerializer):
    test_cases = serializers.SerializerMethodField()
    hidden_test_cases = serializers.SerializerMethodField()
    assignment_id = serializers.IntegerField(read_only=True)

    class Meta:
        model = Question
        fields = [
            "id",
            "assignment_id",
            "title",
            "prompt",
            "language",
            "points",
            "time_limit",
            "starter_code",
            "test_cases",
            "hidden_test_cases",
        ]

    def _sees_hidden(self, question):
        user = self.context["request"].user
        return user.pk == question.assignment.klass.owner_id

    @extend_schema_field(TestCaseSerializer(many=True))
    def get_test_cases(self, question):
        cases = question.test_cases.all()
        if not self._sees_hidden(question):
            cases = [case for case in cases if not case.hidden]
        return TestCaseSerializer(cases, many=True).data

    def get_hidden_test_cases(self, question) -> int:
        return sum(1 for case in question.test_cases.all() if case.hidden)


class AssignmentSerializer(serializers.ModelSerializer):
    class_id = serializers.IntegerField(source="klass_id", read_only=True)
    created_by = UserSerializer(read_only=True)
    questions = QuestionSerializer(many=True, read_only=True)

    class Meta:
        model = Assignment
        fields = [
            "id",
            "class_id",
            "title",
            "description",
            "due_at",
            "status",
            "created_by",
            "created_at",
            "published_at",
            "closed_at",
            "questions",
        ]
        read_only_fields = fields
