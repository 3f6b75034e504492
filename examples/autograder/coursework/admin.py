from django.contrib import admin

from .models import CodeRun, Submission


@admin.register(Submission)
class SubmissionAdmin(admin.ModelAdmin):
    list_display = ("id", "student", "question", "attempt", "submitted_at", "published", "active")
    list_filter = ("published", "active")
    readonly_fields = ("library_id", "library_uuid", "results", "results_at")
    raw_id_fields = ("student", "question", "assignment")


@admin.register(CodeRun)
class CodeRunAdmin(admin.ModelAdmin):
    list_display = ("id", "user", "question", "status", "created_at")
    list_filter = ("status",)
    raw_id_fields = ("user", "question")
