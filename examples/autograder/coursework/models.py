"""
The site's view of a learner's work. The library holds the submission, its grader row and its scores;
these rows tie them to the site's users and questions and keep what the grader reported per test case.
"""

from django.conf import settings
from django.db import models

from assignments.models import Assignment, Question


class Submission(models.Model):
    """A graded submission: a library submission in the class's course, queued on the grading queue."""

    student = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="submissions")
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="submissions")
    assignment = models.ForeignKey(Assignment, on_delete=models.CASCADE, related_name="submissions")
    #: The library's submission (``submissions.api``): its integer id (the score event's ``submission_id``)
    #: and its uuid (what ``set_score`` and ``regrade`` take).
    library_id = models.BigIntegerField(unique=True)
    library_uuid = models.UUIDField(unique=True)
    attempt = models.PositiveIntegerField()
    code = models.TextField()
    submitted_at = models.DateTimeField()
    #: What the grader reported, per test case (the ``testcases`` plugin's ``results``), and when it arrived.
    results = models.JSONField(default=list, blank=True)
    compile_output = models.TextField(blank=True, default="")
    results_at = models.DateTimeField(null=True, blank=True)
    published = models.BooleanField(default=False)
    published_at = models.DateTimeField(null=True, blank=True)
    #: False once the learner's state was deleted through the instructor API (the library soft-deleted it).
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["-submitted_at", "-id"]
        indexes = [models.Index(fields=["question", "student", "active"], name="submission_latest")]

    def __str__(self):
        return f"{self.student} on {self.question} (attempt {self.attempt})"


class CodeRun(models.Model):
    """A run of code on a question's visible tests: a library submission of a separate item, never graded."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        COMPLETED = "completed", "Completed"
        COMPILE_ERROR = "compile_error", "Compile error"
        FAILED = "failed", "Failed"
        TIMED_OUT = "timed_out", "Timed out"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="code_runs")
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="code_runs")
    library_id = models.BigIntegerField(unique=True)
    code = models.TextField()
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED)
    results = models.JSONField(default=list, blank=True)
    compile_output = models.TextField(blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        # a user's recent runs: what the run limits count (``runs.check_run_allowance``)
        indexes = [models.Index(fields=["user", "created_at"], name="coderun_user_recent")]

    def __str__(self):
        return f"run {self.pk} of {self.user} on {self.question}: {self.status}"
