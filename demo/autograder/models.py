"""The demo host's own data: a course, its problems, the sample submissions, and the grades it received."""

from django.db import models


class Course(models.Model):
    key = models.CharField(max_length=255, unique=True)
    title = models.CharField(max_length=255)

    def __str__(self):
        return self.title


class Problem(models.Model):
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="problems")
    usage_key = models.CharField(max_length=255, unique=True)
    title = models.CharField(max_length=255)
    language = models.CharField(max_length=20)
    grader_payload = models.TextField(help_text="JSON test cases for the reference grader's testcases plugin")
    points = models.PositiveIntegerField(default=1)

    def __str__(self):
        return f"{self.title} ({self.language})"


class SampleSubmission(models.Model):
    """A seeded submission and the outcome the demo expects for it."""

    problem = models.ForeignKey(Problem, on_delete=models.CASCADE, related_name="samples")
    learner = models.CharField(max_length=150)
    kind = models.CharField(max_length=20)  # pass | partial | compile_error | timeout
    source = models.TextField()
    submission_id = models.BigIntegerField(unique=True)

    def __str__(self):
        return f"{self.learner}: {self.problem} ({self.kind})"


class GradeRecord(models.Model):
    """Written by the receiver of ``external_grader_score_submitted``: what the host was told."""

    submission_id = models.BigIntegerField(db_index=True)
    learner = models.CharField(max_length=255)
    module_id = models.CharField(max_length=255)
    points_earned = models.IntegerField()
    points_possible = models.IntegerField()
    score_msg = models.TextField()
    received_at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return f"{self.module_id} {self.learner}: {self.points_earned}/{self.points_possible}"
