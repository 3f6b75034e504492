"""
Admin of the core models.

History is read-only: submissions, scores, summaries and annotations cannot be added, edited or
deleted here (a hard delete would cascade through scores and break the ScoreSummary invariants;
4.x let staff do that). Operators change state only through the service actions offered
(reset a score, with or without clearing the learner's submissions), which keep the summary, the
cache and the signals right.
"""

import json

from django.contrib import admin, messages
from django.urls import reverse
from django.utils.html import format_html

from submissions.errors import SubmissionError
from submissions.models import (
    Score,
    ScoreAnnotation,
    ScoreSummary,
    StudentItem,
    Submission,
    TeamSubmission,
)
from submissions.models.fields import UndecodableJSON
from submissions.services import scores as score_services

__all__ = [
    "StudentItemAdmin",
    "SubmissionAdmin",
    "TeamSubmissionAdmin",
    "ScoreAdmin",
    "ScoreSummaryAdmin",
    "ScoreAnnotationAdmin",
]

STUDENT_ITEM_SEARCH = (
    "student_item__student_id",
    "student_item__course_id",
    "student_item__item_id",
)


def render_answer(answer):
    """The answer as indented JSON in a ``<pre>`` block (escaped); undecodable text shown as such."""
    if isinstance(answer, UndecodableJSON):
        return format_html("<strong>Undecodable JSON:</strong><pre>{}</pre>", answer.raw)
    return format_html("<pre>{}</pre>", json.dumps(answer, indent=2, ensure_ascii=False, sort_keys=True))


def admin_link(obj, label=None):
    if obj is None:
        return "-"
    url = reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_change", args=[obj.pk])
    return format_html('<a href="{}">{}</a>', url, label if label is not None else obj)


class HistoryAdmin(admin.ModelAdmin):
    """Read-only: view and search, no add, change or delete."""

    list_per_page = 50
    show_full_result_count = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class StudentItemColumns:
    """Columns shown for models that point at a StudentItem."""

    @admin.display(description="Course", ordering="student_item__course_id")
    def course_id(self, obj):
        return obj.student_item.course_id

    @admin.display(description="Item", ordering="student_item__item_id")
    def item_id(self, obj):
        return obj.student_item.item_id

    @admin.display(description="Student", ordering="student_item__student_id")
    def student_id(self, obj):
        return obj.student_item.student_id

    @admin.display(description="Student item")
    def student_item_link(self, obj):
        return admin_link(obj.student_item, obj.student_item_id)


@admin.register(StudentItem)
class StudentItemAdmin(HistoryAdmin):
    list_display = ("id", "course_id", "item_type", "item_id", "student_id")
    list_filter = ("item_type",)
    search_fields = ("=id", "course_id", "item_id", "student_id")
    readonly_fields = ("course_id", "item_type", "item_id", "student_id")
    actions = ("reset_scores", "reset_scores_and_clear_state")

    def has_change_permission(self, request, obj=None):
        # Needed for the actions; the change form itself shows only read-only fields.
        return request.user.has_perm("submissions.change_studentitem")

    def _reset(self, request, queryset, clear_state):
        done = 0
        for item in queryset:
            try:
                score_services.reset_score(item.student_id, item.course_id, item.item_id, clear_state=clear_state)
            except SubmissionError as exc:
                self.message_user(request, f"Could not reset {item}: {exc}", level=messages.ERROR)
            else:
                done += 1
        self.message_user(request, f"Reset the score of {done} student item(s).", level=messages.SUCCESS)

    @admin.action(description="Reset the score of the selected student items", permissions=["change"])
    def reset_scores(self, request, queryset):
        self._reset(request, queryset, clear_state=False)

    @admin.action(
        description="Reset the score and soft-delete the submissions of the selected student items",
        permissions=["change"],
    )
    def reset_scores_and_clear_state(self, request, queryset):
        self._reset(request, queryset, clear_state=True)


@admin.register(Submission)
class SubmissionAdmin(StudentItemColumns, HistoryAdmin):
    list_display = ("id", "uuid", "course_id", "item_id", "student_id", "attempt_number", "submitted_at", "status")
    list_display_links = ("id", "uuid")
    list_filter = ("status", "student_item__item_type")
    list_select_related = ("student_item",)
    search_fields = ("=id", "=uuid", *STUDENT_ITEM_SEARCH)
    fields = (
        "uuid",
        "student_item_link",
        "course_id",
        "item_id",
        "student_id",
        "attempt_number",
        "submitted_at",
        "created_at",
        "status",
        "team_submission_link",
        "answer_display",
        "scores",
    )
    readonly_fields = fields

    def get_queryset(self, request):
        return Submission._objects.select_related("student_item", "team_submission")

    @admin.display(description="Answer")
    def answer_display(self, obj):
        return render_answer(obj.answer)

    @admin.display(description="Team submission")
    def team_submission_link(self, obj):
        return admin_link(obj.team_submission, obj.team_submission.uuid if obj.team_submission_id else None)

    @admin.display(description="Scores")
    def scores(self, obj):
        rows = Score.objects.filter(submission=obj).order_by("id")
        return format_html(
            "<pre>{}</pre>",
            "\n".join(
                f"{row.points_earned}/{row.points_possible} at {row.created_at:%Y-%m-%d %H:%M:%S}" for row in rows
            )
            or "-",
        )


class MemberSubmissionInline(StudentItemColumns, admin.TabularInline):
    model = Submission
    fields = ("uuid", "student_id", "attempt_number", "status")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return Submission._objects.select_related("student_item")


@admin.register(TeamSubmission)
class TeamSubmissionAdmin(HistoryAdmin):
    list_display = ("id", "uuid", "course_id", "item_id", "team_id", "submitted_by", "submitted_at", "status")
    list_filter = ("status",)
    list_select_related = ("submitted_by",)
    search_fields = ("=id", "=uuid", "course_id", "item_id", "team_id")
    fields = (
        "uuid",
        "course_id",
        "item_id",
        "team_id",
        "submitted_by",
        "attempt_number",
        "submitted_at",
        "created",
        "modified",
        "status",
    )
    readonly_fields = fields
    inlines = (MemberSubmissionInline,)

    def get_queryset(self, request):
        return TeamSubmission._objects.select_related("submitted_by")


class AnnotationInline(admin.TabularInline):
    model = ScoreAnnotation
    fields = ("annotation_type", "creator", "reason")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Score)
class ScoreAdmin(StudentItemColumns, HistoryAdmin):
    list_display = ("id", "course_id", "item_id", "student_id", "points", "reset", "created_at")
    list_filter = ("reset", "student_item__item_type")
    list_select_related = ("student_item",)
    search_fields = ("=id", *STUDENT_ITEM_SEARCH)
    fields = ("student_item_link", "submission_link", "points_earned", "points_possible", "reset", "created_at")
    readonly_fields = fields
    inlines = (AnnotationInline,)

    @admin.display(description="Points")
    def points(self, obj):
        return f"{obj.points_earned}/{obj.points_possible}"

    @admin.display(description="Submission")
    def submission_link(self, obj):
        return admin_link(obj.submission, obj.submission_uuid) if obj.submission_id else "-"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("student_item", "submission")


@admin.register(ScoreSummary)
class ScoreSummaryAdmin(StudentItemColumns, HistoryAdmin):
    list_display = ("id", "course_id", "item_id", "student_id", "latest_points", "highest_points")
    list_select_related = ("student_item", "latest", "highest")
    search_fields = ("=id", *STUDENT_ITEM_SEARCH)
    fields = ("student_item_link", "latest_link", "highest_link")
    readonly_fields = fields

    @admin.display(description="Latest")
    def latest_points(self, obj):
        return str(obj.latest)

    @admin.display(description="Highest")
    def highest_points(self, obj):
        return str(obj.highest)

    @admin.display(description="Latest score")
    def latest_link(self, obj):
        return admin_link(obj.latest)

    @admin.display(description="Highest score")
    def highest_link(self, obj):
        return admin_link(obj.highest)


@admin.register(ScoreAnnotation)
class ScoreAnnotationAdmin(HistoryAdmin):
    list_display = ("id", "annotation_type", "creator", "score_link")
    list_filter = ("annotation_type",)
    list_select_related = ("score",)
    search_fields = (
        "=id",
        "creator",
        "annotation_type",
        "score__student_item__student_id",
        "score__student_item__course_id",
    )
    fields = ("score_link", "annotation_type", "creator", "reason")
    readonly_fields = fields

    @admin.display(description="Score")
    def score_link(self, obj):
        return admin_link(obj.score)


from submissions.external_grader import admin as _external_grader_admin  # noqa: F401,E402
