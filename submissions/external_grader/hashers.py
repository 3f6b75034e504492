"""
A fast password hasher for grader accounts.

xqueue-watcher gives every request, login included, a 1 second timeout, and a read timeout during
its first login kills the watcher process. Django's default PBKDF2 hasher (about a million
iterations) needs 0.6 s on an idle core and well over a second when several watcher connections log
in at once, so grader accounts need a cheaper hash.

Grader passwords are machine secrets (long random strings written into the watcher's configuration),
not human passwords: an attacker who steals the hash cannot profit from a slow hash because there is
no dictionary to try. This hasher therefore uses PBKDF2-SHA256 with few iterations. It is meant for
grader accounts only; human accounts keep the host's default hasher.

Hosts add it to ``PASSWORD_HASHERS`` **after** their preferred hasher (so it is never used for new
human passwords) and set grader passwords with :func:`set_grader_password`. Because it is not the
preferred hasher, Django's ``authenticate()`` would re-hash a grader password with the slow default
on the first successful login; the grader login of :mod:`submissions.external_grader.authentication`
verifies these hashes without that upgrade. See ``docs/graders.rst`` and ADR 0009.
"""

import secrets

from django.contrib.auth.hashers import PBKDF2PasswordHasher, make_password

__all__ = [
    "GraderPBKDF2PasswordHasher",
    "GRADER_HASHER_ALGORITHM",
    "GRADER_HASHER_PATH",
    "set_grader_password",
    "make_grader_secret",
]

GRADER_HASHER_ALGORITHM = "xqueue_grader_pbkdf2_sha256"
#: What hosts list in ``PASSWORD_HASHERS`` (check ``submissions.W102``).
GRADER_HASHER_PATH = "submissions.external_grader.hashers.GraderPBKDF2PasswordHasher"


class GraderPBKDF2PasswordHasher(PBKDF2PasswordHasher):
    """PBKDF2-SHA256 with few iterations, for long random grader secrets only."""

    algorithm = GRADER_HASHER_ALGORITHM
    # About 1 ms on one core: enough to make a leaked hash of a 32-byte random secret useless to attack,
    # cheap enough for eight watcher connections logging in at once on a small server.
    iterations = 1000


def make_grader_secret(nbytes=32):
    """A random secret suitable as a grader password (URL-safe text)."""
    return secrets.token_urlsafe(nbytes)


def set_grader_password(user, raw_password, save=True):
    """
    Set ``user``'s password with the grader hasher (it must be listed in ``PASSWORD_HASHERS``).

    Raises ``ValueError`` if the hasher is not configured, so a misconfiguration shows at once rather
    than at the first slow login.
    """
    user.password = make_password(raw_password, hasher=GRADER_HASHER_ALGORITHM)
    if save:
        user.save(update_fields=["password"])
    return user
