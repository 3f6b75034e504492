"""Permission and existence checks shared by the services (staff, instructor, course, problem)."""

from submissions.errors import InstructorNotFoundError, InstructorPermissionError, NotRescorableError
from submissions.instructor_v2.keys import has_control_characters

__all__ = ["require_staff", "require_instructor", "require_problem", "require_learner"]


def require_staff(backend, user, course_key):
    """403 unless ``user`` is staff (or instructor) of the course; then 404 if the course is unknown."""
    if not backend.is_course_staff(user, course_key):
        raise InstructorPermissionError("Course staff access required")
    if not backend.course_exists(course_key):
        raise InstructorNotFoundError("Course not found")


def require_instructor(backend, user, course_key):
    """403 unless ``user`` is an instructor of the course; then 404 if the course is unknown."""
    if not backend.is_course_instructor(user, course_key):
        if backend.is_course_staff(user, course_key):
            raise InstructorPermissionError("Instructor access required for bulk operations")
        raise InstructorPermissionError("Instructor access required")
    if not backend.course_exists(course_key):
        raise InstructorNotFoundError("Course not found")


def require_problem(backend, course_key, usage_key, *, rescoring=False):
    """The backend's ``ProblemInfo``; 400 ``NOT_RESCORABLE`` for containers when rescoring, 404 when unknown."""
    if rescoring and usage_key.is_container:
        raise NotRescorableError("This component cannot be rescored.")
    problem = backend.get_problem(course_key, usage_key)
    if problem is None:
        raise InstructorNotFoundError("Problem not found")
    if rescoring and not problem.rescorable:
        raise NotRescorableError("This component cannot be rescored.")
    return problem


def require_learner(backend, identifier):
    """The ``LearnerInfo`` for a username or email (400 when missing)."""
    from submissions.errors import InstructorParameterError

    if identifier in (None, ""):
        raise InstructorParameterError("The learner is required", field_errors={"learner": "This field is required."})
    identifier = str(identifier)
    if has_control_characters(identifier) or len(identifier) > 254:
        raise InstructorNotFoundError("Learner not found")  # no username or email can be like this
    return backend.find_learner(identifier)
