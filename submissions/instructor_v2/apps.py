"""
App configuration of the instructor grading API.

``plugin_app`` registers the app with the Open edX plugin framework (edx-django-utils): an LMS that has the
package installed finds it through the ``lms.djangoapp`` entry point (pyproject.toml), adds it to
``INSTALLED_APPS``, mounts its URLs at ``api/instructor/v2/`` (namespace ``instructor_api_v2``) and applies
:mod:`submissions.instructor_v2.plugin_settings`, with no edit of the LMS (ADR 0022). The dict uses the
framework's key names as plain strings, so nothing is imported from edx-django-utils here.
"""

from django.apps import AppConfig

LMS = "lms.djangoapp"


class InstructorConfig(AppConfig):
    name = "submissions.instructor_v2"
    label = "submissions_instructor"
    verbose_name = "Submissions: instructor grading"
    # Pinned so that a host's DEFAULT_AUTO_FIELD never produces a migration for our tables.
    default_auto_field = "django.db.models.BigAutoField"

    plugin_app = {
        "url_config": {
            LMS: {
                "namespace": "instructor_api_v2",
                "regex": r"^api/instructor/v2/",
                "relative_path": "urls",
            }
        },
        "settings_config": {
            LMS: {
                "common": {"relative_path": "plugin_settings"},
            }
        },
    }

    def ready(self):
        from submissions.instructor_v2 import checks  # noqa: F401  (registers the system checks)
