"""
Grader accounts: a user in ``SUBMISSIONS["GRADER_GROUP"]`` whose password is a random secret hashed with the
grader hasher (:mod:`submissions.external_grader.hashers`). Used by ``manage.py create_grader``.
"""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction

from submissions.conf import app_settings
from submissions.external_grader.hashers import make_grader_secret, set_grader_password

__all__ = ["create_grader", "watcher_config"]


def create_grader(username, secret=None):
    """
    Create the grader account ``username`` (or take the existing one), give it a new secret and put it in the
    grader group. Returns the secret, which is stored only as a hash: hand it to the grader now.

    Raises ``ValueError`` when the grader hasher is not in ``PASSWORD_HASHERS`` (check ``submissions.W102``).
    """
    secret = secret or make_grader_secret()
    with transaction.atomic():
        user, _created = get_user_model().objects.get_or_create(**{get_user_model().USERNAME_FIELD: username})
        set_grader_password(user, secret)
        user.groups.add(Group.objects.get_or_create(name=app_settings.GRADER_GROUP)[0])
    return secret


def watcher_config(queue, server, username, secret, connections=2):
    """
    The xqueue-watcher queue configuration (one ``conf.d/*.json`` entry) that logs in as ``username``:
    ``SERVER`` is the URL directly above the host's ``xqueue/`` prefix; ``HANDLERS`` is a placeholder to replace
    with the grader the queue runs (docs/graders.rst, Pointing xqueue-watcher at a host).
    """
    return {
        queue: {
            "SERVER": server,
            "AUTH": [username, secret],
            "CONNECTIONS": connections,
            "HANDLERS": [{"HANDLER": "xqueue_watcher.containergrader.ContainerGrader", "KWARGS": {}}],
        }
    }
