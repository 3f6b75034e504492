"""Classes (a teacher's course with a join code) and enrolments."""

import re

from django.conf import settings
from django.db import models

#: The library's course key of a class: ``course-v1:autograder+class-<id>+site`` (code runs: ``+runs``).
_COURSE_KEY = re.compile(r"^course-v1:autograder\+class-(?P<id>\d+)\+site$")


class Class(models.Model):
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True, default="")
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="owned_classes")
    join_code = models.CharField(max_length=12, unique=True)
    archived = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    students = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="Enrollment", related_name="enrolled_classes", blank=True
    )

    class Meta:
        verbose_name_plural = "classes"
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return self.name

    @property
    def course_key(self):
        """The ``course_id`` of this class's student items in the library."""
        return f"course-v1:autograder+class-{self.pk}+site"

    @property
    def run_course_key(self):
        """The ``course_id`` of code runs: another course, so runs are never attempts or scores of the class."""
        return f"course-v1:autograder+class-{self.pk}+runs"

    @staticmethod
    def id_from_course_key(course_key):
        """The class id of a course key made by :attr:`course_key`, or None."""
        match = _COURSE_KEY.match(str(course_key))
        return int(match["id"]) if match else None


class Enrollment(models.Model):
    klass = models.ForeignKey(Class, on_delete=models.CASCADE, related_name="enrollments", db_column="class_id")
    student = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="enrollments")
    joined_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["klass", "student"], name="one_enrollment_per_student")]
        ordering = ["joined_at", "id"]

    def __str__(self):
        return f"{self.student} in {self.klass}"
