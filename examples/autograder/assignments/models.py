"""
Assignments (draft → published → closed, a django-fsm-2 state machine), their questions and test cases.

Each question is a gradable item of the library: ``item_id`` = :attr:`Question.usage_key` in the class's
course, ``item_type`` "problem". Its test cases become the reference grader's ``testcases`` payload.
"""

import json
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils import timezone
from django_fsm import FSMField, transition

from classes.models import Class

#: Seconds a compiled language may spend compiling before its tests run (the grader's own cap is larger).
COMPILE_ALLOWANCE_SECONDS = 10
#: The reference grader stops running cases after this many time-outs (its ``max_timeouts`` default).
MAX_TIMEOUTS = 2


class Assignment(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        PUBLISHED = "published", "Published"
        CLOSED = "closed", "Closed"

    klass = models.ForeignKey(Class, on_delete=models.CASCADE, related_name="assignments", db_column="class_id")
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True, default="")
    due_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    status = FSMField(default=Status.DRAFT, choices=Status.choices, protected=True)
    created_at = models.DateTimeField(auto_now_add=True)
    published_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return self.title

    @transition(field=status, source=Status.DRAFT, target=Status.PUBLISHED)
    def publish(self):
        self.published_at = timezone.now()

    @transition(field=status, source=Status.PUBLISHED, target=Status.CLOSED)
    def close(self):
        self.closed_at = timezone.now()

    def is_past_due(self, at=None):
        return self.due_at is not None and (at or timezone.now()) > self.due_at


class Question(models.Model):
    class Language(models.TextChoices):
        PYTHON = "python", "Python 3"
        JAVASCRIPT = "javascript", "JavaScript (Node.js)"
        JAVA = "java", "Java"
        C = "c", "C"
        CPP = "cpp", "C++"

    assignment = models.ForeignKey(Assignment, on_delete=models.CASCADE, related_name="questions")
    position = models.PositiveIntegerField(default=0)
    title = models.CharField(max_length=200)
    prompt = models.TextField(blank=True, default="")
    language = models.CharField(max_length=12, choices=Language.choices)
    points = models.PositiveIntegerField(default=10)
    #: CPU seconds one run of the program may use; its wall-clock limit is 2 × this + 2.
    time_limit = models.PositiveSmallIntegerField(default=2)
    starter_code = models.TextField(blank=True, default="")

    class Meta:
        ordering = ["assignment_id", "position", "id"]

    def __str__(self):
        return self.title

    @property
    def usage_key(self):
        """The library's ``item_id`` of this question."""
        klass_id = self.assignment.klass_id
        return f"block-v1:autograder+class-{klass_id}+site+type@problem+block@question-{self.pk}"

    @property
    def wall_seconds(self):
        return 2 * self.time_limit + 2

    def grader_payload(self, *, visible_only=False):
        """The ``testcases`` plugin's payload: every case for grading, the visible ones for a code run."""
        cases = [case for case in self.test_cases.all() if not (visible_only and case.hidden)]
        return json.dumps(
            {
                "language": self.language,
                "tests": [case.as_grader_test() for case in cases],
                "limits": {"cpu_seconds": self.time_limit, "wall_seconds": self.wall_seconds},
            }
        )

    def run_deadline(self, cases):
        """Seconds the run endpoint waits: the question's limits for ``cases`` runs, plus the grace."""
        compiled = self.language in (self.Language.JAVA, self.Language.C, self.Language.CPP)
        runs = min(cases, MAX_TIMEOUTS) if cases else 0
        return (
            (COMPILE_ALLOWANCE_SECONDS if compiled else 0) + runs * self.wall_seconds + settings.CODE_RUN_GRACE_SECONDS
        )


class TestCase(models.Model):
    __test__ = False  # not a pytest class

    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="test_cases")
    position = models.PositiveIntegerField(default=0)
    input = models.TextField(blank=True, default="")
    expected_output = models.TextField(blank=True, default="")
    hidden = models.BooleanField(default=False)
    #: Points of the question this case is worth (an equal share of what explicit points leave, by default).
    points = models.DecimalField(max_digits=9, decimal_places=3, default=Decimal(0))

    class Meta:
        ordering = ["question_id", "position", "id"]

    def __str__(self):
        return f"test {self.position + 1} of {self.question}"

    def as_grader_test(self):
        return {
            "name": str(self.pk),
            "stdin": self.input,
            "expected_stdout": self.expected_output,
            "points": float(self.points),
            "compare": "whitespace",
            "hidden": self.hidden,
        }


def share_points(total, explicit):
    """
    The points of each case: explicit ones kept, the rest an equal share of what they leave (3 decimals,
    the last case taking the rounding). Raises ValueError when explicit points exceed the total, or leave
    nothing (or not exactly the total) to share.
    """
    total = Decimal(total)
    given = sum((p for p in explicit if p is not None), Decimal(0))
    open_count = sum(1 for p in explicit if p is None)
    if given > total:
        raise ValueError(f"test case points add up to {given}, more than the question's {total}")
    if open_count == 0:
        if given != total:
            raise ValueError(f"test case points add up to {given}, not the question's {total}")
        return [Decimal(p) for p in explicit]
    remaining = total - given
    if remaining <= 0:
        raise ValueError("explicit test case points leave nothing for the others")
    share = (remaining / open_count).quantize(Decimal("0.001"), rounding="ROUND_DOWN")
    last_share = remaining - share * (open_count - 1)
    out, seen = [], 0
    for p in explicit:
        if p is not None:
            out.append(Decimal(p))
            continue
        seen += 1
        out.append(last_share if seen == open_count else share)
    return out
