"""
Settings the Open edX plugin framework applies to an LMS that picks the instructor app up through its
``lms.djangoapp`` entry point (``plugin_app`` in :mod:`submissions.instructor_v2.apps`).

The Swagger UI page serves the sidecar's assets when that app is installed (the ``instructor`` extra brings
it; without it they come from a CDN), and drf-spectacular's app adds its own system checks of the schema; both
are added to ``INSTALLED_APPS`` unless the LMS lists them.
"""

import importlib.util

__all__ = ["plugin_settings", "REQUIRED_APPS"]

#: Apps the instructor API needs beside itself, each added only when its package is importable.
REQUIRED_APPS = ("drf_spectacular", "drf_spectacular_sidecar")


def plugin_settings(settings):
    """Called by edx-django-utils with the LMS settings module (``settings_type`` "common")."""
    installed = list(settings.INSTALLED_APPS)
    for app in REQUIRED_APPS:
        if app not in installed and importlib.util.find_spec(app) is not None:
            installed.append(app)
    settings.INSTALLED_APPS = installed
