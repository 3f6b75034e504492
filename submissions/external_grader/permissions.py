"""
Who may use the XQueue grader interface, and which queues.

A **grader** is an active account that is a member of the group ``SUBMISSIONS["GRADER_GROUP"]``
(default ``"xqueue"``, as edx-submissions 4.x hard-coded) or holds the model permission
:data:`GRADER_PERMISSION` (directly or through a group); superusers have every permission.

**Queues**: ``SUBMISSIONS["GRADER_QUEUES"] = {username: [queue names]}`` restricts the listed
accounts to those queues; accounts not listed may use every queue. A restricted grader asking for
another queue, or answering a submission of another queue, is refused with
:class:`~submissions.errors.GraderAuthorizationError` (403).
"""

import time

from rest_framework.permissions import BasePermission

from submissions.conf import app_settings
from submissions.errors import GraderAuthorizationError

__all__ = [
    "GRADER_PERMISSION",
    "IsGrader",
    "is_grader",
    "allowed_queues",
    "check_queue_allowed",
    "check_reply_allowed",
    "remember_grader",
]

#: A model permission that makes an account a grader without the group.
GRADER_PERMISSION = "submissions.change_externalgraderdetail"

#: Session key holding ``[user pk, time of the last successful grader check]``.
_SESSION_KEY = "_submissions_xqueue_grader"


#: Attribute set on a user loaded by the grader login with its grader-group membership (one query).
GROUP_FLAG = "_submissions_in_grader_group"


def is_grader(user):
    """True if ``user`` may use the grader interface."""
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    in_group = getattr(user, GROUP_FLAG, None)
    if in_group is None:
        in_group = user.groups.filter(name=app_settings.GRADER_GROUP).exists()
    if in_group:
        return True
    return user.has_perm(GRADER_PERMISSION)


def allowed_queues(user):
    """The queue names ``user`` is restricted to, or None when every queue is allowed."""
    restrictions = app_settings.GRADER_QUEUES or {}
    queues = restrictions.get(user.get_username())
    return None if queues is None else frozenset(queues)


def check_queue_allowed(user, queue_name):
    """Raise GraderAuthorizationError if ``user`` may not use ``queue_name``."""
    queues = allowed_queues(user)
    if queues is not None and queue_name not in queues:
        raise GraderAuthorizationError(f"User is not authorised to use queue '{queue_name}'")


def check_reply_allowed(user, submission_id):
    """
    Raise GraderAuthorizationError if ``user`` is restricted to queues and the grader row of
    ``submission_id`` belongs to another one. Unrestricted accounts cost no query; a missing row is
    left to the queue service to report.
    """
    queues = allowed_queues(user)
    if queues is None:
        return
    from submissions.external_grader.models import ExternalGraderDetail

    queue_name = (
        ExternalGraderDetail.objects.filter(submission_id=submission_id).values_list("queue_name", flat=True).first()
    )
    if queue_name is not None and queue_name not in queues:
        raise GraderAuthorizationError(f"User is not authorised to use queue '{queue_name}'")


def remember_grader(session, user):
    """Note in ``session`` that ``user`` was just found to be a grader."""
    session[_SESSION_KEY] = [user.pk, time.time()]


def _recently_checked(session, user):
    interval = app_settings.GRADER_CHECK_INTERVAL
    mark = session.get(_SESSION_KEY) if (interval and session is not None) else None
    if not isinstance(mark, list) or len(mark) != 2 or mark[0] != user.pk:
        return False
    return 0 <= time.time() - mark[1] < interval


class IsGrader(BasePermission):
    """
    DRF permission: the request's user is a grader (see the module docstring).

    A session whose user passed the check less than ``GRADER_CHECK_INTERVAL`` seconds ago skips the group
    query; the user row itself is loaded on every request, so deactivation takes effect at once.
    """

    message = "User is not authorised to use the grader interface"

    def has_permission(self, request, view):
        user = request.user
        if not (user and user.is_authenticated and user.is_active):
            return False
        session = getattr(request, "session", None)
        if _recently_checked(session, user):
            return True
        if not is_grader(user):
            return False
        if session is not None and app_settings.GRADER_CHECK_INTERVAL:
            remember_grader(session, user)
        return True
