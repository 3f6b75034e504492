"""Who may work on a question: the checks shared by code runs and submissions."""

from rest_framework.exceptions import PermissionDenied

from assignments.models import Assignment
from autograder.api import Conflict
from classes.services import is_enrolled


def check_can_run(user, question):
    """The class owner always; an enrolled student once the assignment is published (also after it closed)."""
    klass = question.assignment.klass
    if user.pk == klass.owner_id:
        return
    if not user.is_student or not is_enrolled(user, klass):
        raise PermissionDenied("You are not enrolled in this class.")
    if question.assignment.status == Assignment.Status.DRAFT:
        raise Conflict("This assignment is not published yet.")


def check_can_submit(user, assignment, at):
    """
    An enrolled student, on a published assignment of a class that is not archived, before the due date.
    ``assignment`` and its ``klass`` are the rows as locked by the submission (``services.submit``).
    """
    if not user.is_student:
        raise PermissionDenied("Only students submit answers.")
    if not is_enrolled(user, assignment.klass):
        raise PermissionDenied("You are not enrolled in this class.")
    if assignment.klass.archived:
        raise Conflict("This class is archived.")
    if assignment.status == Assignment.Status.DRAFT:
        raise Conflict("This assignment is not published yet.")
    if assignment.status == Assignment.Status.CLOSED:
        raise Conflict("This assignment is closed.")
    if assignment.is_past_due(at):
        raise Conflict("The due date of this assignment has passed.")


def check_owner(user, klass):
    if user.pk != klass.owner_id:
        raise PermissionDenied("Only the class's owner can do this.")
