"""
The one exception hierarchy of the library.

Every error the library raises on purpose derives from :class:`SubmissionError`. The names and the
shape of the tree are those of edx-submissions 4.x, so callers that catch the old classes keep
working; errors we add subclass whatever a 4.x caller would already catch.

Each class carries an HTTP ``status_code`` and a stable machine ``default_code`` so that every API
surface can map it to a response in one handler.
"""

import copy

__all__ = [
    "SubmissionError",
    "SubmissionInternalError",
    "SubmissionNotFoundError",
    "SubmissionRequestError",
    "ScoreValueError",
    "SubmissionStorageError",
    "TeamSubmissionInternalError",
    "TeamSubmissionNotFoundError",
    "TeamSubmissionRequestError",
    "ExternalGraderQueueEmptyError",
    "InvalidFileTypeError",
    "FileProcessingError",
    "DuplicateTeamSubmissionsError",
    "InvalidTransitionError",
    "UnknownQueueError",
    "GraderReplyError",
    "ExternalGraderNotFoundError",
    "ExternalGraderBusyError",
    "IncorrectPullKeyError",
    "LateGraderReplyError",
    "ExternalGraderRetiredError",
    "GraderAuthorizationError",
    "InstructorParameterError",
    "InstructorNotFoundError",
    "InstructorPermissionError",
    "NotRescorableError",
    "TaskAlreadyRunningError",
]


class SubmissionError(Exception):
    """Root of every error raised by the library on purpose."""

    status_code = 500
    default_code = "submission_error"

    def __repr__(self):
        return f"{type(self).__name__}({', '.join(repr(arg) for arg in self.args)})"


class SubmissionInternalError(SubmissionError):
    """Something failed inside the library or its database, not because of how it was called."""

    default_code = "internal_error"


class SubmissionNotFoundError(SubmissionError):
    """The submission (or other object) asked for does not exist."""

    status_code = 404
    default_code = "not_found"


class SubmissionRequestError(SubmissionError):
    """
    The caller passed something invalid.

    ``field_errors`` maps a field name to a message; it is deep-copied, kept on the instance and
    appended to ``args`` (as edx-submissions does).
    """

    status_code = 400
    default_code = "invalid_request"

    def __init__(self, msg="", field_errors=None):
        self.msg = msg
        self.field_errors = copy.deepcopy(field_errors or {})
        super().__init__(msg, self.field_errors)

    def __repr__(self):
        return f"{type(self).__name__}(msg={self.msg!r}, field_errors={self.field_errors!r})"


class ScoreValueError(SubmissionRequestError, SubmissionInternalError):
    """
    Invalid points given to ``set_score``.

    edx-submissions raised ``SubmissionInternalError`` here although the docs promised a request
    error; this class is both, so old and new callers catch it.
    """

    status_code = 400
    default_code = "invalid_score"


class SubmissionStorageError(SubmissionInternalError, SubmissionNotFoundError):
    """
    A database error while reading submissions.

    edx-submissions reported database errors of ``get_submissions`` as ``SubmissionNotFoundError``;
    this class is both that and an internal error, so old and new callers catch it.
    """

    status_code = 500
    default_code = "internal_error"


class TeamSubmissionInternalError(SubmissionInternalError):
    """An internal error in the team submission API."""


class TeamSubmissionNotFoundError(SubmissionNotFoundError):
    """The team submission asked for does not exist."""


class TeamSubmissionRequestError(SubmissionRequestError):
    """Invalid input to the team submission API."""


class ExternalGraderQueueEmptyError(SubmissionError):
    """An external grader submission was created without a queue name."""

    status_code = 400
    default_code = "queue_name_missing"


class InvalidFileTypeError(SubmissionError):
    """A file given with a grader submission is of no type the library can read."""

    status_code = 400
    default_code = "invalid_file_type"


class FileProcessingError(SubmissionError):
    """Reading or storing a file given with a grader submission failed."""

    default_code = "file_processing_error"


class InvalidTransitionError(SubmissionError, ValueError):
    """
    An external-grader row was asked to move to a state its current state does not allow.

    edx-submissions raised a bare ``ValueError``; this subclasses it so 4.x callers still catch it.
    """

    status_code = 409
    default_code = "invalid_transition"

    def __init__(self, source, target, msg=""):
        self.source = source
        self.target = target
        super().__init__(msg or f"Cannot move an external grader row from {source!r} to {target!r}")

    def __repr__(self):
        return f"{type(self).__name__}(source={self.source!r}, target={self.target!r})"

    def __reduce__(self):
        return type(self), (self.source, self.target, self.args[0] if self.args else "")


# -- the external grader queue (submissions.external_grader.queue) --


class UnknownQueueError(SubmissionNotFoundError):
    """A queue name that is not registered (or, without a registry, that no grader row uses)."""

    default_code = "unknown_queue"

    def __init__(self, queue_name, msg=""):
        self.queue_name = queue_name
        super().__init__(msg or f"Queue '{queue_name}' not found")

    def __reduce__(self):
        return type(self), (self.queue_name, self.args[0] if self.args else "")


class GraderReplyError(SubmissionRequestError):
    """A grader's reply (header or body) is malformed: nothing is written."""

    default_code = "incorrect_reply_format"


class ExternalGraderNotFoundError(SubmissionNotFoundError):
    """No external-grader row for the submission id a grader named."""

    default_code = "submission_does_not_exist"


class ExternalGraderBusyError(SubmissionError):
    """The row is locked by a concurrent request (reply being recorded): try again later."""

    status_code = 409
    default_code = "submission_busy"


class IncorrectPullKeyError(SubmissionError):
    """The reply's key is not the row's current pull key, or the row is not handed out."""

    status_code = 409
    default_code = "incorrect_key"


class LateGraderReplyError(IncorrectPullKeyError):
    """A reply with a key the row had before it was handed out again (or retired as superseded)."""

    default_code = "late_reply"


class ExternalGraderRetiredError(IncorrectPullKeyError):
    """A reply for a row already graded, that is not an exact repeat of the accepted reply."""

    default_code = "already_retired"


class GraderAuthorizationError(SubmissionError):
    """A grader account may not use this queue."""

    status_code = 403
    default_code = "grader_not_authorised"


# -- the instructor grading API (submissions.instructor_v2); codes are those of its Error schema --


class InstructorParameterError(SubmissionRequestError):
    """An unparseable key, a missing or invalid parameter of an instructor API call."""

    default_code = "INVALID_PARAMETER"


class InstructorNotFoundError(SubmissionNotFoundError):
    """Unknown course, problem, learner or task, or no learner state to act on."""

    default_code = "RESOURCE_NOT_FOUND"


class InstructorPermissionError(SubmissionError):
    """The user may not do this in this course."""

    status_code = 403
    default_code = "PERMISSION_DENIED"


class NotRescorableError(SubmissionRequestError):
    """The component (e.g. a container), or this learner's answer, cannot be rescored."""

    default_code = "NOT_RESCORABLE"


class TaskAlreadyRunningError(SubmissionError):
    """The same all-learner operation is already pending or running for this course and problem."""

    status_code = 409
    default_code = "TASK_ALREADY_RUNNING"

    def __init__(self, task_id, msg=""):
        self.task_id = task_id
        super().__init__(msg or f"Task {task_id} is already running for this operation")

    def __reduce__(self):
        return type(self), (self.task_id, self.args[0] if self.args else "")


class DuplicateTeamSubmissionsError(Exception):
    """
    A second active team submission for one (course, item, team).

    Not a ``SubmissionError`` in edx-submissions 4.x either; kept outside the tree for
    compatibility (``except SubmissionError`` in callers must not start catching it).
    """

    status_code = 409
    default_code = "duplicate_team_submission"
