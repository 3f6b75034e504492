"""Admin of grading tasks: read-only, with an action to fail stalled ones (through the service)."""

from django.contrib import admin, messages

from submissions.instructor_v2.models import AttemptReset, GradingTask
from submissions.instructor_v2.services.tasks import fail_task


@admin.register(GradingTask)
class GradingTaskAdmin(admin.ModelAdmin):
    list_display = ("task_id", "operation", "course_key", "problem_key", "state", "total", "created_at", "updated_at")
    list_filter = ("state", "operation")
    search_fields = ("task_id", "course_key", "problem_key")
    actions = ["fail_selected"]

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in self.model._meta.fields]

    def has_add_permission(self, request):
        return False

    @admin.action(description="Fail the selected active tasks")
    def fail_selected(self, request, queryset):
        count = sum(
            fail_task(pk, "TASK_FAILED", "Failed by an operator") for pk in queryset.values_list("pk", flat=True)
        )
        self.message_user(request, f"{count} task(s) failed.", messages.SUCCESS)


@admin.register(AttemptReset)
class AttemptResetAdmin(admin.ModelAdmin):
    list_display = ("student_item", "last_submission_id", "reset_at", "reset_by")
    raw_id_fields = ("student_item", "reset_by")
