"""
DRF serializers that turn the core models into the plain dicts of the public API.

The dict shapes and value types are those of edx-submissions 4.0.2: datetimes stay timezone-aware
``datetime`` objects (``format=None``); a row's own uuid is a hyphenated string (``uuid``,
``team_submission_uuid`` of a team submission), while the uuids of *related* rows are ``uuid.UUID``
objects (``team_submission_uuid`` of a submission, ``submission_uuids`` of a team submission), as 4.x's
slug-related fields gave them. The serializers only *produce* dicts;
input validation lives in :mod:`submissions.services.validation`, so nothing here writes.

A stored answer that is not valid JSON (``UndecodableJSON``) is never passed on: serialising it
raises :class:`~submissions.errors.SubmissionInternalError` naming the submission.
"""

from rest_framework import serializers

from submissions.errors import SubmissionInternalError
from submissions.models import ExternalGraderDetail, Score, ScoreAnnotation, StudentItem, Submission, TeamSubmission
from submissions.models.fields import UndecodableJSON

__all__ = [
    "AnswerField",
    "StudentItemSerializer",
    "SubmissionSerializer",
    "TeamSubmissionSerializer",
    "ScoreAnnotationSerializer",
    "UnannotatedScoreSerializer",
    "ScoreSerializer",
    "SubmissionListSerializer",
    "ExternalGraderDetailSerializer",
    "RawField",
    "decoded_answer",
]


def decoded_answer(submission):
    """The answer of ``submission``; ``SubmissionInternalError`` if the stored JSON is undecodable."""
    answer = submission.answer
    if isinstance(answer, UndecodableJSON):
        raise SubmissionInternalError(f"The stored answer of submission {submission.uuid} is not valid JSON")
    return answer


class AnswerField(serializers.Field):
    """The answer exactly as the model field decoded it (no string conversion)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("read_only", True)
        kwargs.setdefault("source", "*")
        super().__init__(**kwargs)

    def to_representation(self, value):
        return decoded_answer(value)


class RawField(serializers.Field):
    """A value passed through unchanged (4.x name; the model field does the JSON encoding)."""

    def to_representation(self, value):
        return value

    def to_internal_value(self, data):
        return data


class _UUIDStringField(serializers.Field):
    """A UUID (or None) rendered as a hyphenated string."""

    def __init__(self, **kwargs):
        kwargs.setdefault("read_only", True)
        super().__init__(**kwargs)

    def get_attribute(self, instance):
        try:
            return super().get_attribute(instance)
        except (AttributeError, KeyError):
            return None

    def to_representation(self, value):
        return None if value is None else str(value)


class StudentItemSerializer(serializers.ModelSerializer):
    """``{"student_id", "course_id", "item_id", "item_type"}``."""

    class Meta:
        model = StudentItem
        fields = ("student_id", "course_id", "item_id", "item_type")
        read_only_fields = fields


class SubmissionSerializer(serializers.ModelSerializer):
    """
    ``{uuid, student_item, attempt_number, submitted_at, created_at, answer, team_submission_uuid}``.

    ``student_item`` is the StudentItem pk. Querysets should ``select_related("team_submission")``
    to avoid one query per row for ``team_submission_uuid``.
    """

    uuid = _UUIDStringField()
    student_item = serializers.IntegerField(source="student_item_id", read_only=True)
    submitted_at = serializers.DateTimeField(format=None, read_only=True)
    created_at = serializers.DateTimeField(format=None, read_only=True)
    answer = AnswerField()
    team_submission_uuid = serializers.SerializerMethodField()

    class Meta:
        model = Submission
        fields = (
            "uuid",
            "student_item",
            "attempt_number",
            "submitted_at",
            "created_at",
            "answer",
            "team_submission_uuid",
        )
        read_only_fields = fields

    def get_team_submission_uuid(self, obj):
        """The team submission's ``uuid.UUID`` (4.x: a slug-related field on ``uuid``), or None."""
        if obj.team_submission_id is None:
            return None
        return obj.team_submission.uuid


class TeamSubmissionSerializer(serializers.ModelSerializer):
    """
    ``{team_submission_uuid, attempt_number, submitted_at, course_id, item_id, team_id, submitted_by,
    created_at, answer, submission_uuids}``.

    ``answer`` comes from the serializer context (``{"answer": ...}``, used right after creation)
    or else from the first active member submission. Prefetch ``submissions`` to read them in one
    query.
    """

    team_submission_uuid = _UUIDStringField(source="uuid")
    submitted_at = serializers.DateTimeField(format=None, read_only=True)
    created_at = serializers.DateTimeField(source="created", format=None, read_only=True)
    submitted_by = serializers.IntegerField(source="submitted_by_id", read_only=True, allow_null=True)
    answer = serializers.SerializerMethodField()
    submission_uuids = serializers.SerializerMethodField()

    class Meta:
        model = TeamSubmission
        fields = (
            "team_submission_uuid",
            "attempt_number",
            "submitted_at",
            "course_id",
            "item_id",
            "team_id",
            "submitted_by",
            "created_at",
            "answer",
            "submission_uuids",
        )
        read_only_fields = fields

    def get_answer(self, obj):
        if "answer" in self.context:
            return self.context["answer"]
        members = list(obj.submissions.all())
        return decoded_answer(members[0]) if members else None

    def get_submission_uuids(self, obj):
        """The member submissions' ``uuid.UUID`` objects (4.x: a slug-related field on ``uuid``)."""
        return [submission.uuid for submission in obj.submissions.all()]


class ScoreAnnotationSerializer(serializers.ModelSerializer):
    """``{creator, reason, annotation_type}``."""

    class Meta:
        model = ScoreAnnotation
        fields = ("creator", "reason", "annotation_type")
        read_only_fields = fields


class UnannotatedScoreSerializer(serializers.ModelSerializer):
    """
    ``{student_item, submission, points_earned, points_possible, created_at, submission_uuid}``.

    ``student_item`` and ``submission`` are pks (``submission`` None for a reset score).
    Querysets should ``select_related("submission")`` for ``submission_uuid``.
    """

    student_item = serializers.IntegerField(source="student_item_id", read_only=True)
    submission = serializers.IntegerField(source="submission_id", read_only=True, allow_null=True)
    created_at = serializers.DateTimeField(format=None, read_only=True)
    submission_uuid = serializers.CharField(read_only=True, allow_null=True)

    class Meta:
        model = Score
        fields = ("student_item", "submission", "points_earned", "points_possible", "created_at", "submission_uuid")
        read_only_fields = fields


class ScoreSerializer(UnannotatedScoreSerializer):
    """The score dict with ``annotations`` (prefetch ``scoreannotation_set`` for many rows)."""

    annotations = ScoreAnnotationSerializer(source="scoreannotation_set", many=True, read_only=True)

    class Meta(UnannotatedScoreSerializer.Meta):
        fields = (*UnannotatedScoreSerializer.Meta.fields, "annotations")
        read_only_fields = fields


class SubmissionListSerializer(serializers.ModelSerializer):
    """A submission row with its id, status and team submission pk (4.x, used by grader listings)."""

    uuid = _UUIDStringField()
    student_item = serializers.IntegerField(source="student_item_id", read_only=True)
    submitted_at = serializers.DateTimeField(format=None, read_only=True)
    created_at = serializers.DateTimeField(format=None, read_only=True)
    answer = AnswerField()
    team_submission = serializers.IntegerField(source="team_submission_id", read_only=True, allow_null=True)

    class Meta:
        model = Submission
        fields = (
            "id",
            "uuid",
            "student_item",
            "attempt_number",
            "submitted_at",
            "created_at",
            "answer",
            "status",
            "team_submission",
        )
        read_only_fields = fields


class ExternalGraderDetailSerializer(serializers.ModelSerializer):
    """An external-grader row with its submission (4.x shape)."""

    submission = SubmissionListSerializer(read_only=True)
    status_time = serializers.DateTimeField(format=None, read_only=True)
    created_at = serializers.DateTimeField(format=None, read_only=True)

    class Meta:
        model = ExternalGraderDetail
        fields = (
            "id",
            "submission",
            "queue_name",
            "queue_key",
            "grader_file_name",
            "points_possible",
            "status",
            "pullkey",
            "grader_reply",
            "status_time",
            "created_at",
            "num_failures",
        )
        read_only_fields = fields
