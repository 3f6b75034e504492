"""
The instructor API (``submissions.instructor_v2``) on the site's own data: the library's extension point,
a grading backend (``SUBMISSIONS["INSTRUCTOR_BACKEND"]``).

Learner state stays the library's (the default backend reads it: student items with ``student_id`` =
the user's pk, submissions, scores, grader rows); this backend answers what only the site knows:

* a course is a class (``course-v1:autograder+class-<id>+site``), its staff and instructor its owner
  (and superusers); a learner is enrolled when the class's roster says so;
* a problem is one of the class's questions (``...+type@problem+block@question-<id>``), worth its points;
* deleting a learner's state also retires the site's rows of those submissions.
"""

import re

from submissions.instructor_v2.backends import DefaultGradingBackend, ProblemInfo

from assignments.models import Question
from classes.models import Class, Enrollment

from .models import Submission

_QUESTION = re.compile(r"^question-(?P<id>\d+)$")


def _class(course_key):
    class_id = Class.id_from_course_key(course_key)
    return Class.objects.filter(pk=class_id).first() if class_id is not None else None


class SiteGradingBackend(DefaultGradingBackend):
    def is_enrolled(self, learner, course_key):
        class_id = Class.id_from_course_key(course_key)
        return Enrollment.objects.filter(klass_id=class_id, student=learner.user).exists()

    def _owns(self, user, course_key):
        if not getattr(user, "is_authenticated", False):
            return False
        if user.is_superuser:
            return True
        klass = _class(course_key)
        return klass is not None and klass.owner_id == user.pk

    def is_course_staff(self, user, course_key):
        return self._owns(user, course_key)

    def is_course_instructor(self, user, course_key):
        return self._owns(user, course_key)

    def course_exists(self, course_key):
        return _class(course_key) is not None

    def get_problem(self, course_key, usage_key):
        match = _QUESTION.match(str(usage_key.block_id))
        class_id = Class.id_from_course_key(course_key)
        if match is None or class_id is None:
            return None
        question = (
            Question.objects.filter(pk=match["id"], assignment__klass_id=class_id).select_related("assignment").first()
        )
        if question is None:
            return None
        return ProblemInfo(
            id=str(usage_key),
            name=question.title,
            breadcrumbs=[
                {"display_name": question.assignment.title, "usage_key": None},
                {"display_name": question.title, "usage_key": str(usage_key)},
            ],
            max_score=question.points,
            max_attempts=None,
        )

    def delete_state(self, course_key, usage_key, learner_id, requester):
        super().delete_state(course_key, usage_key, learner_id, requester)
        match = _QUESTION.match(str(usage_key.block_id))
        Submission.objects.filter(question_id=match["id"], student_id=learner_id, active=True).update(active=False)
