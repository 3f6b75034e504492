"""
System checks of the library's configuration, with stable ids:

* ``submissions.E001`` unknown key in ``settings.SUBMISSIONS``
* ``submissions.E002`` a removed key is still set
* ``submissions.E003`` ``FILE_STORAGE`` names an alias missing from ``settings.STORAGES``
* ``submissions.E004`` an import-string setting cannot be imported
* ``submissions.E005`` a setting has a value of the wrong type or range
* ``submissions.W001`` edx-submissions is installed beside this package, or the imported ``submissions`` files
  are not ours (:mod:`submissions.dropin`, docs/dropin.rst)
"""

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register

from submissions.conf import DEFAULTS, IMPORT_STRINGS, REMOVED_SETTINGS, app_settings

_NON_NEGATIVE_INTS = (
    "FILE_MAX_COUNT",
    "FILE_MAX_BYTES",
    "FILE_MAX_TOTAL_BYTES",
    "FILE_URL_MAX_AGE",
    "MAX_ATTEMPTS",
    "RETRY_BACKOFF",
    "EVENT_MAX_DELIVERY_ATTEMPTS",
    "LOGIN_RATE_LIMIT",
    "LOGIN_RATE_WINDOW",
    "GRADER_CHECK_INTERVAL",
    "TASK_STALL_TIMEOUT",
    "TASK_BATCH_SIZE",
)


@register(Tags.compatibility)
def check_settings(app_configs=None, **kwargs):
    errors = []
    user_settings = getattr(settings, "SUBMISSIONS", None) or {}
    if not isinstance(user_settings, dict):
        return [Error("SUBMISSIONS must be a dict.", id="submissions.E005")]
    for key in sorted(set(user_settings) - set(DEFAULTS)):
        if key in REMOVED_SETTINGS:
            errors.append(
                Error(f"SUBMISSIONS[{key!r}] was removed.", hint=REMOVED_SETTINGS[key], id="submissions.E002")
            )
        else:
            errors.append(
                Error(f"Unknown setting SUBMISSIONS[{key!r}].", hint="See docs/settings.rst.", id="submissions.E001")
            )
    alias = app_settings.FILE_STORAGE
    if alias and alias not in getattr(settings, "STORAGES", {}):
        errors.append(
            Error(
                f"SUBMISSIONS['FILE_STORAGE'] is {alias!r}, which is not an alias of settings.STORAGES.",
                id="submissions.E003",
            )
        )
    for key in sorted(IMPORT_STRINGS & set(user_settings)):
        try:
            app_settings.import_from(key)
        except ImportError as exc:
            errors.append(Error(str(exc), id="submissions.E004"))
    for key in _NON_NEGATIVE_INTS:
        value = getattr(app_settings, key)
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            errors.append(
                Error(f"SUBMISSIONS[{key!r}] must be a non-negative integer, not {value!r}.", id="submissions.E005")
            )
    return errors


@register(Tags.compatibility)
def check_distribution(app_configs=None, **kwargs):
    """``submissions.W001``: the ora2 clash (issue 13): edx-submissions' files beside or over ours."""
    from submissions import dropin

    return [Warning(problem, hint=dropin.FIX, id="submissions.W001") for problem in dropin.problems()]
