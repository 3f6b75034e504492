"""Creating assignments (with questions and test cases, all or nothing) and moving them through their states."""

from django.db import transaction
from django.db.models import Prefetch
from django_fsm import TransitionNotAllowed
from rest_framework.exceptions import PermissionDenied

from autograder.api import Conflict
from autograder.locks import get_for_share
from classes.models import Class
from notifications.services import notify_many

from .models import Assignment, Question, TestCase


def visible_assignments(user):
    """Owners see every assignment of their classes; enrolled students the published and closed ones."""
    if user.is_teacher:
        queryset = Assignment.objects.filter(klass__owner=user)
    else:
        queryset = Assignment.objects.filter(klass__enrollments__student=user).exclude(status=Assignment.Status.DRAFT)
    return queryset.select_related("klass", "created_by").prefetch_related(
        Prefetch("questions", queryset=Question.objects.select_related("assignment__klass")),
        "questions__test_cases",
    )


def require_owner(user, klass):
    if klass.owner_id != user.pk:
        raise PermissionDenied("Only the class's owner can do this.")


def create_assignment(user, data):
    """``data`` is validated input (``AssignmentInSerializer``); everything is written, or nothing."""
    with transaction.atomic():
        klass = Class.objects.select_for_update().get(pk=data["class_id"])
        require_owner(user, klass)
        if klass.archived:
            raise Conflict("This class is archived: it takes no new assignments.")
        assignment = Assignment.objects.create(
            klass=klass,
            title=data["title"],
            description=data["description"],
            due_at=data["due_at"],
            created_by=user,
        )
        cases = []
        for position, spec in enumerate(data["questions"]):
            fields = {k: v for k, v in spec.items() if k != "test_cases"}
            question = Question.objects.create(assignment=assignment, position=position, **fields)
            cases += [
                TestCase(question=question, position=index, **case) for index, case in enumerate(spec["test_cases"])
            ]
        TestCase.objects.bulk_create(cases)
    return assignment


_PAST = {"publish": "published", "close": "closed"}


def _transition(assignment, name):
    """
    Publish or close under locks taken in the order every writer takes them: the class (shared: an archive
    under way is waited for), then the assignment (exclusive: submissions under way, which hold it shared,
    are waited for, and later ones see the new state; see ``autograder.locks``).
    """
    with transaction.atomic():
        klass = get_for_share(Class, assignment.klass_id)
        locked = Assignment.objects.select_for_update().get(pk=assignment.pk)
        locked.klass = klass
        if name == "publish" and locked.klass.archived:
            raise Conflict("This class is archived: its assignments cannot be published.")
        try:
            getattr(locked, name)()
        except TransitionNotAllowed as exc:
            raise Conflict(f"A {locked.status} assignment cannot be {_PAST[name]}.") from exc
        locked.save()
        if name == "publish":
            students = locked.klass.students.all()
            notify_many(
                students,
                "assignment_published",
                f"New assignment in {locked.klass.name}: {locked.title}",
                link=f"/assignments/{locked.pk}/",
            )
    return locked


def publish(assignment):
    return _transition(assignment, "publish")


def close(assignment):
    return _transition(assignment, "close")
