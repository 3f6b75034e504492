"""
Translation of the reference grader's messages to learners (its feedback: verdicts, the results table).

The grader runs without Django, so it reads the library's Django catalogues (domain ``django`` under
``submissions/locale``) with the standard library's :mod:`gettext`: one catalogue to translate, shared with
the server's learner messages. The language is ``GRADER_LANGUAGE`` when set, else the locale environment
(``LANGUAGE``, ``LC_ALL``, ``LC_MESSAGES``, ``LANG``, as :mod:`gettext` reads it); English when no catalogue
matches. ``GRADER_LOCALE_PATHS`` (directories separated by ``os.pathsep``, each laid out like ``locale/``)
are searched first, as Django's ``LOCALE_PATHS`` are, for a deployment's own translations.
"""

import functools
import gettext as _gettext
import os
from pathlib import Path

__all__ = ["LOCALE_DIR", "gettext", "gettext_noop"]

#: The library's own catalogues.
LOCALE_DIR = Path(__file__).resolve().parent.parent.parent / "locale"


@functools.cache
def _catalogue(language, locale_paths):
    languages = [language] if language else None
    catalogue = _gettext.NullTranslations()
    for directory in reversed([*locale_paths, str(LOCALE_DIR)]):  # the first directory wins
        found = _gettext.translation("django", directory, languages=languages, fallback=True)
        found.add_fallback(catalogue)
        catalogue = found
    return catalogue


def gettext(message):
    """``message`` in the grader's language."""
    paths = tuple(path for path in os.environ.get("GRADER_LOCALE_PATHS", "").split(os.pathsep) if path)
    return _catalogue(os.environ.get("GRADER_LANGUAGE") or None, paths).gettext(message)


def gettext_noop(message):
    """Mark ``message`` for translation where it is defined; :func:`gettext` translates it where it is shown."""
    return message
