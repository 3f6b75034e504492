"""Reads and single-learner operations (synchronous)."""

import logging
from decimal import Decimal, InvalidOperation

from django.db import transaction

from submissions.errors import InstructorParameterError, InstructorPermissionError
from submissions.instructor_v2.backends import get_backend
from submissions.instructor_v2.services.access import require_learner, require_problem, require_staff

__all__ = [
    "get_learner",
    "get_problem",
    "get_grading_config",
    "reset_attempts",
    "delete_state",
    "rescore",
    "override_score",
]

logger = logging.getLogger(__name__)


def _sync_result(learner, usage_key, message, **extra):
    return {
        "success": True,
        "learner": learner.username,
        "problem_location": str(usage_key),
        "message": message,
        **extra,
    }


def get_learner(user, course_key, identifier):
    """The ``Learner`` dict of a username or email in the course."""
    backend = get_backend()
    require_staff(backend, user, course_key)
    learner = require_learner(backend, identifier)
    return {
        "username": learner.username,
        "email": learner.email,
        "full_name": learner.full_name,
        "progress_url": learner.progress_url,
        "is_enrolled": bool(backend.is_enrolled(learner, course_key)),
    }


def get_problem(user, course_key, usage_key, identifier=None):
    """The ``Problem`` dict; with a learner, their current score and attempts."""
    backend = get_backend()
    require_staff(backend, user, course_key)
    problem = require_problem(backend, course_key, usage_key)
    data = {"id": problem.id, "name": problem.name, "breadcrumbs": problem.breadcrumbs}
    data["current_score"] = data["attempts"] = None
    if identifier not in (None, ""):
        learner = require_learner(backend, identifier)
        state = backend.get_learner_state(course_key, usage_key, backend.learner_id(learner.user, course_key), problem)
        data.update(current_score=state.get("current_score"), attempts=state.get("attempts"))
    return data


def get_grading_config(user, course_key):
    """The course's ``GradingConfig``; 404 when the host has no grading policy for it."""
    from submissions.errors import InstructorNotFoundError

    backend = get_backend()
    require_staff(backend, user, course_key)
    config = backend.get_grading_config(course_key)
    if config is None:
        raise InstructorNotFoundError("No grading policy for this course")
    return config


def _prepare(user, course_key, usage_key, identifier, *, rescoring=False):
    backend = get_backend()
    require_staff(backend, user, course_key)
    problem = require_problem(backend, course_key, usage_key, rescoring=rescoring)
    learner = require_learner(backend, identifier)
    return backend, problem, learner, backend.learner_id(learner.user, course_key)


def reset_attempts(user, course_key, usage_key, identifier):
    """Start one learner's attempt counter over (answers and scores are kept)."""
    backend, _problem, learner, learner_id = _prepare(user, course_key, usage_key, identifier)
    with transaction.atomic():
        backend.reset_attempts(course_key, usage_key, learner_id, user)
    logger.info("Attempts reset on %s for a learner by user %s", usage_key, user.pk)
    return _sync_result(learner, usage_key, "Attempts reset successfully")


def delete_state(user, course_key, usage_key, identifier):
    """Remove everything one learner has on the problem (irreversible)."""
    backend, _problem, learner, learner_id = _prepare(user, course_key, usage_key, identifier)
    with transaction.atomic():
        backend.delete_state(course_key, usage_key, learner_id, user)
    logger.info("State deleted on %s for a learner by user %s", usage_key, user.pk)
    return _sync_result(learner, usage_key, "State deleted successfully")


def rescore(user, course_key, usage_key, identifier, *, only_if_higher=False):
    """Re-evaluate one learner's stored answer."""
    backend, _problem, learner, learner_id = _prepare(user, course_key, usage_key, identifier, rescoring=True)
    with transaction.atomic():
        backend.rescore(course_key, usage_key, learner_id, user, only_if_higher=only_if_higher)
    return _sync_result(learner, usage_key, "Problem rescored successfully")


def parse_points(value, maximum):
    """``value`` as a number of points in 0..maximum, or ``InstructorParameterError`` naming ``score``."""

    def bad(message):
        return InstructorParameterError(f"Invalid score: {message}", field_errors={"score": message})

    if value is None or value == "":
        raise bad("This field is required.")
    if isinstance(value, bool):
        raise bad("A number is required.")
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise bad("A number is required.") from None
    if not number.is_finite():
        raise bad("A finite number is required.")
    if number < 0:
        raise bad("The score must not be negative.")
    if maximum is not None and number > Decimal(str(maximum)):
        raise bad(f"The score must not be above the problem's maximum of {maximum} points.")
    return int(number) if number == number.to_integral_value() else float(number)


def override_score(user, course_key, usage_key, identifier, score, *, reason=""):
    """Set one learner's score in points; returns the sync result with ``score`` and ``previous_score``."""
    backend, problem, learner, learner_id = _prepare(user, course_key, usage_key, identifier)
    if not backend.can_override(user, course_key, usage_key):
        raise InstructorPermissionError("Staff access to this block is required to override its score")
    if not problem.overridable or not problem.max_score:
        raise InstructorParameterError(
            "This block's score cannot be overridden", field_errors={"score": "The block is not overridable."}
        )
    points = parse_points(score, problem.max_score)
    with transaction.atomic():
        new, previous = backend.override_score(
            course_key, usage_key, learner_id, user, score=points, problem=problem, reason=reason
        )
    logger.info("Score overridden on %s for a learner by user %s", usage_key, user.pk)
    return _sync_result(learner, usage_key, "Score overridden successfully", score=new, previous_score=previous)
