"""The interface of a grading backend, and how the configured one is found."""

import enum
import logging
from dataclasses import dataclass, field

from django.db import transaction

from submissions.conf import app_settings
from submissions.errors import InstructorNotFoundError, NotRescorableError

logger = logging.getLogger(__name__)

__all__ = ["BaseGradingBackend", "LearnerInfo", "Outcome", "ProblemInfo", "get_backend"]


class Outcome(enum.StrEnum):
    """What happened to one learner in a bulk operation."""

    SUCCEEDED = "succeeded"
    SKIPPED = "skipped"
    FAILED = "failed"


@dataclass(frozen=True)
class LearnerInfo:
    """A learner as the API shows it (schema ``Learner``); ``user`` is the host's user object."""

    user: object
    username: str
    email: str
    full_name: str
    progress_url: str | None = None


@dataclass(frozen=True)
class ProblemInfo:
    """A gradable block (schema ``Problem``), with what the operations need to know about it."""

    id: str
    name: str
    breadcrumbs: list = field(default_factory=list)
    max_score: float | None = None
    max_attempts: int | None = None
    rescorable: bool = True
    overridable: bool = True


def get_backend():
    """An instance of the backend class named by ``SUBMISSIONS["INSTRUCTOR_BACKEND"]``."""
    return app_settings.import_from("INSTRUCTOR_BACKEND")()


class BaseGradingBackend:
    """
    What a host must answer for the instructor API. Keys are the parsed objects of
    :mod:`submissions.instructor_v2.keys`; ``learner_id`` is the backend's own id of a learner in a
    course (the default backend: the anonymous student id of ``StudentItem``).

    Single-learner methods raise :class:`~submissions.errors.InstructorNotFoundError` when the learner
    has no state on the problem, :class:`~submissions.errors.NotRescorableError` when a rescore is
    impossible, and :class:`~submissions.errors.InstructorParameterError` for bad input.
    They are called inside a transaction of the calling service.
    """

    # -- people and permissions --
    def find_learner(self, identifier):
        """The :class:`LearnerInfo` of a username or email; NotFound when unknown, Parameter when ambiguous."""
        raise NotImplementedError

    def learner_id(self, user, course_key):
        """The backend's id of ``user`` as a learner of ``course_key`` (a string)."""
        raise NotImplementedError

    def is_enrolled(self, learner, course_key):
        raise NotImplementedError

    def is_course_staff(self, user, course_key):
        """Staff or instructor of the course (or global staff): reads and single-learner operations."""
        raise NotImplementedError

    def is_course_instructor(self, user, course_key):
        """Instructor of the course (or global staff): all-learner operations."""
        raise NotImplementedError

    def can_override(self, user, course_key, usage_key):
        """Staff access to the block, needed in addition for score overrides."""
        return self.is_course_staff(user, course_key)

    # -- courseware --
    def course_exists(self, course_key):
        raise NotImplementedError

    def get_problem(self, course_key, usage_key):
        """The :class:`ProblemInfo` of a block, or None when the course has no such block."""
        raise NotImplementedError

    def get_grading_config(self, course_key):
        """The course's grading policy as a ``GradingConfig`` dict, or None when it has none."""
        raise NotImplementedError

    # -- one learner --
    def get_learner_state(self, course_key, usage_key, learner_id, problem):
        """``{"current_score": {score, total} | None, "attempts": {current, total} | None}``."""
        raise NotImplementedError

    def reset_attempts(self, course_key, usage_key, learner_id, requester):
        """Start the attempt counter over; keep answers, state and scores."""
        raise NotImplementedError

    def delete_state(self, course_key, usage_key, learner_id, requester):
        """Remove the learner's state, score and unfinished grading work on the problem."""
        raise NotImplementedError

    def rescore(self, course_key, usage_key, learner_id, requester, *, only_if_higher=False):
        """Re-evaluate the stored answer. Returns an :class:`Outcome` (SKIPPED: nothing to rescore)."""
        raise NotImplementedError

    def override_score(self, course_key, usage_key, learner_id, requester, *, score, problem, reason=""):
        """Set the score in points; returns ``(score, previous_score_or_None)``."""
        raise NotImplementedError

    # -- all learners (batched) --
    def count_learners(self, course_key, usage_key, operation):
        """How many learner states an all-learner ``operation`` will process."""
        raise NotImplementedError

    def learner_ids(self, course_key, usage_key, operation, *, after=None, limit=100):
        """Up to ``limit`` learner ids with state on the problem, ordered, strictly after ``after``."""
        raise NotImplementedError

    def process_batch(self, operation, course_key, usage_key, learner_ids, requester, options):
        """
        Apply ``operation`` ("reset_attempts" or "rescore") to each learner; returns ``{learner_id: Outcome}``.

        The default runs the single-learner method per learner in a savepoint, so one failure does not
        undo the others. Backends may override it with bulk queries.
        """
        outcomes = {}
        for learner_id in learner_ids:
            try:
                with transaction.atomic():
                    if operation == "reset_attempts":
                        self.reset_attempts(course_key, usage_key, learner_id, requester)
                        outcomes[learner_id] = Outcome.SUCCEEDED
                    else:
                        outcomes[learner_id] = self.rescore(
                            course_key, usage_key, learner_id, requester, only_if_higher=options.get("only_if_higher")
                        )
            except (InstructorNotFoundError, NotRescorableError):
                outcomes[learner_id] = Outcome.SKIPPED
            except Exception:  # one learner's failure is counted and logged, not fatal to the batch
                logger.exception("%s failed for a learner of %s", operation, usage_key)
                outcomes[learner_id] = Outcome.FAILED
        return outcomes
