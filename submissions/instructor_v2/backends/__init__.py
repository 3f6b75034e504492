"""
Grading backends: everything the instructor API needs to know about courses, learners and learner
state comes from the backend named by ``SUBMISSIONS["INSTRUCTOR_BACKEND"]``.

:class:`BaseGradingBackend` documents the interface; :class:`DefaultGradingBackend` implements it on
this library's own data (submissions, scores, external-grader rows) for standalone hosts. An LMS
subclasses ``BaseGradingBackend`` (StudentModule, XBlock rescoring, LMS roles) without touching the views.
"""

from submissions.instructor_v2.backends.base import (
    BaseGradingBackend,
    LearnerInfo,
    Outcome,
    ProblemInfo,
    get_backend,
)
from submissions.instructor_v2.backends.default import DefaultGradingBackend

__all__ = ["BaseGradingBackend", "DefaultGradingBackend", "LearnerInfo", "Outcome", "ProblemInfo", "get_backend"]
