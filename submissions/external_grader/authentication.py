"""
Authentication of the XQueue grader interface.

* :class:`GraderSessionAuthentication`: Django session authentication **without** DRF's CSRF check,
  as legacy XQueue had it: pre-2026 watchers send no CSRF token on ``put_result``, current ones send
  one, and both must work (a correct token is simply ignored). The session cookie is the credential
  of a non-browser client here; see ADR 0008.
* :func:`authenticate_grader`: the credential check of ``login/``. Accounts whose password is stored
  with :class:`~submissions.external_grader.hashers.GraderPBKDF2PasswordHasher` are verified directly
  (Django's ``authenticate()`` would re-hash them with the slow preferred hasher on success); every
  other account goes through the host's ``AUTHENTICATION_BACKENDS``.
"""

import logging

from django.conf import settings
from django.contrib.auth import authenticate, get_user_model, user_login_failed
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.base_user import BaseUserManager
from django.contrib.auth.hashers import verify_password
from django.core.exceptions import FieldDoesNotExist
from django.db.models import Exists, OuterRef
from django.utils.module_loading import import_string
from rest_framework.authentication import SessionAuthentication

from submissions.conf import app_settings
from submissions.external_grader.hashers import GRADER_HASHER_ALGORITHM
from submissions.external_grader.permissions import GROUP_FLAG

__all__ = ["GraderSessionAuthentication", "authenticate_grader", "MAX_USERNAME_LENGTH", "MAX_PASSWORD_LENGTH"]

log = logging.getLogger(__name__)

#: Longer inputs are refused as bad credentials without touching the database or a hasher.
MAX_USERNAME_LENGTH = 254
MAX_PASSWORD_LENGTH = 4096


class GraderSessionAuthentication(SessionAuthentication):
    """Session authentication for grader endpoints: CSRF-exempt (see the module docstring)."""

    def enforce_csrf(self, request):
        return

    def authenticate_header(self, request):
        # Makes DRF treat "not authenticated" as 401 rather than 403 (the view maps it anyway).
        return "Session"


def _model_backend_path():
    """Dotted path of the first configured backend that is a ModelBackend, or None."""
    for path in settings.AUTHENTICATION_BACKENDS:
        try:
            backend = import_string(path)
        except ImportError:
            continue
        if isinstance(backend, type) and issubclass(backend, ModelBackend):
            return path
    return None


def _is_plain_text(value):
    return "\x00" not in value and not any(ord(ch) < 32 for ch in value)


def _get_user_with_group_flag(user_model, username):
    """
    ``get_by_natural_key(username)``, with the grader-group membership read in the same statement
    (an ``EXISTS`` annotation, see :data:`~submissions.external_grader.permissions.GROUP_FLAG`) when
    the manager does the stock lookup and the model has Django's ``groups``; otherwise the manager's
    own lookup, and the membership is queried later as before.
    """
    from django.contrib.auth.models import Group

    manager = user_model._default_manager
    if getattr(type(manager), "get_by_natural_key", None) is not BaseUserManager.get_by_natural_key:
        return manager.get_by_natural_key(username)
    try:
        groups = user_model._meta.get_field("groups")
    except FieldDoesNotExist:
        return manager.get_by_natural_key(username)
    if groups.remote_field.model is not Group:
        return manager.get_by_natural_key(username)
    member = Group.objects.filter(**{groups.related_query_name(): OuterRef("pk"), "name": app_settings.GRADER_GROUP})
    return manager.annotate(**{GROUP_FLAG: Exists(member)}).get(**{user_model.USERNAME_FIELD: username})


def authenticate_grader(request, username, password):
    """
    Return the active user for these credentials, or None.

    ``request`` is the Django ``HttpRequest``. Inputs that cannot be credentials (too long, control
    characters) are refused before any database access.
    """
    if len(username) > MAX_USERNAME_LENGTH or len(password) > MAX_PASSWORD_LENGTH or not _is_plain_text(username):
        return None
    backend_path = _model_backend_path()
    if backend_path is not None:
        user_model = get_user_model()
        try:
            user = _get_user_with_group_flag(user_model, username)
        except user_model.DoesNotExist:
            user = None
        if user is not None and (user.password or "").startswith(GRADER_HASHER_ALGORITHM + "$"):
            backend = import_string(backend_path)()
            is_correct, _must_update = verify_password(password, user.password)
            if is_correct and backend.user_can_authenticate(user):
                user.backend = backend_path
                return user
            user_login_failed.send(sender=__name__, credentials={"username": username}, request=request)
            return None
    return authenticate(request, username=username, password=password)
