from django.contrib import admin

from .models import Course, GradeRecord, Problem, SampleSubmission

admin.site.register(Course)
admin.site.register(Problem, list_display=("title", "language", "points", "course"))
admin.site.register(SampleSubmission, list_display=("submission_id", "learner", "problem", "kind"))
admin.site.register(
    GradeRecord,
    list_display=("submission_id", "learner", "module_id", "points_earned", "points_possible", "received_at"),
)
