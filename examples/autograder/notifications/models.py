from django.conf import settings
from django.db import models


class Notification(models.Model):
    class Kind(models.TextChoices):
        ASSIGNMENT_PUBLISHED = "assignment_published", "Assignment published"
        GRADE_PUBLISHED = "grade_published", "Grade published"

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=32, choices=Kind.choices)
    message = models.CharField(max_length=500)
    #: A site path to open (the assignment, the graded submission), or "".
    link = models.CharField(max_length=200, blank=True, default="")
    read = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["recipient", "read"], name="notification_unread")]

    def __str__(self):
        return f"{self.recipient}: {self.message}"
