"""
Admin of the external grader models (imported by ``submissions.admin``).

Rows are read-only here: states change only through the queue services, which the actions call
(requeue failed rows with counters reset, release stuck hand-outs, retire with the failure notice,
show the grader's reply, redeliver score events).
"""

from django.contrib import admin, messages
from django.utils.html import format_html

from submissions.external_grader import queue
from submissions.external_grader.events import deliver
from submissions.external_grader.models import ExternalGraderDetail, ScoreEventDelivery, SubmissionFile

__all__ = ["ExternalGraderDetailAdmin", "SubmissionFileAdmin", "ScoreEventDeliveryAdmin"]


class _ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class SubmissionFileInline(admin.TabularInline):
    model = SubmissionFile
    fields = ("original_filename", "file", "uuid", "created_at")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(ExternalGraderDetail)
class ExternalGraderDetailAdmin(_ReadOnlyAdmin):
    list_display = (
        "submission_id",
        "queue_name",
        "status",
        "status_time",
        "num_attempts",
        "num_failures",
        "created_at",
    )
    list_filter = ("status", "queue_name")
    search_fields = ("submission__uuid", "queue_name", "queue_key")
    date_hierarchy = "created_at"
    list_select_related = ("submission",)
    readonly_fields = (
        "submission",
        "queue_name",
        "queue_key",
        "grader_file_name",
        "points_possible",
        "status",
        "status_time",
        "created_at",
        "num_attempts",
        "num_failures",
        "only_if_higher",
        "grader_payload",
        "student_info",
        "grader_reply",
    )
    exclude = ("pullkey",)  # a live key is a secret of the grader holding it
    inlines = [SubmissionFileInline]
    actions = ["requeue_failed", "release_stuck", "retire_with_notice", "show_reply"]

    @admin.action(description="Requeue failed rows (back to pending, counters reset)")
    def requeue_failed(self, request, queryset):
        count = queue.requeue_failed(ids=list(queryset.values_list("pk", flat=True)))
        self.message_user(request, f"{count} failed rows requeued.", messages.SUCCESS)

    @admin.action(description="Release stuck hand-outs (pulled → pending, key cleared)")
    def release_stuck(self, request, queryset):
        result = queue.requeue_stale(older_than=0, ids=list(queryset.values_list("pk", flat=True)))
        self.message_user(request, f"{result['released']} released, {result['failed']} failed at the attempt cap.")

    @admin.action(description="Retire with the 'could not be graded' notice")
    def retire_with_notice(self, request, queryset):
        count = queue.retire(ids=list(queryset.values_list("pk", flat=True)), notice=True)
        self.message_user(request, f"{count} unfinished rows retired.", messages.SUCCESS)

    @admin.action(description="Show the grader's reply")
    def show_reply(self, request, queryset):
        for row in queryset[:20]:
            reply = row.grader_reply if row.grader_reply is not None else "(no reply)"
            self.message_user(request, format_html("Submission {}: {}", row.submission_id, reply), messages.INFO)


@admin.register(SubmissionFile)
class SubmissionFileAdmin(_ReadOnlyAdmin):
    list_display = ("original_filename", "external_grader", "uuid", "created_at")
    search_fields = ("original_filename", "uuid")
    readonly_fields = ("external_grader", "original_filename", "file", "uuid", "created_at")


@admin.register(ScoreEventDelivery)
class ScoreEventDeliveryAdmin(_ReadOnlyAdmin):
    list_display = ("pk", "kind", "external_grader", "created_at", "attempts", "delivered_at", "next_attempt_at")
    list_filter = ("kind", ("delivered_at", admin.EmptyFieldListFilter))
    readonly_fields = (
        "external_grader",
        "kind",
        "payload",
        "created_at",
        "attempts",
        "next_attempt_at",
        "delivered_at",
        "last_error",
    )
    actions = ["redeliver"]

    @admin.action(description="Deliver now")
    def redeliver(self, request, queryset):
        from django.utils.timezone import now

        ids = list(queryset.filter(delivered_at__isnull=True).values_list("pk", flat=True))
        ScoreEventDelivery.objects.filter(pk__in=ids).update(next_attempt_at=now())
        delivered = sum(1 for pk in ids if deliver(pk))
        self.message_user(request, f"{delivered} of {len(ids)} events delivered.")
