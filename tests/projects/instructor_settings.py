"""
A host that adds the instructor API the way the README's quick start says: ``submissions.instructor_v2`` in
``INSTALLED_APPS`` and its URLs mounted, nothing else of drf-spectacular's. With the ``[instructor]`` extra
``manage.py check`` passes; without it (the ``base`` tox env) it reports ``submissions_instructor.E004``.
"""

from tests.projects.core_settings import *  # noqa: F403

INSTALLED_APPS = [*INSTALLED_APPS, "submissions.instructor_v2"]  # noqa: F405
ROOT_URLCONF = "tests.projects.instructor_urls"
