"""
The instructor app registers with the Open edX plugin framework (issue 13, point 6): an LMS with the package
installed finds it through the ``lms.djangoapp`` entry point and gets the app, its URLs and its settings from
edx-django-utils, the way edx-platform builds INSTALLED_APPS, urlpatterns and settings, with no edit.
"""

import sys
import types
from importlib.metadata import entry_points

import pytest
from django.test import override_settings
from django.urls import resolve, reverse

from submissions.instructor_v2.apps import InstructorConfig

plugins = pytest.importorskip("edx_django_utils.plugins")
# edx-platform's ProjectType.LMS and SettingsType.COMMON (openedx/core/djangoapps/plugins/constants.py).
LMS = "lms.djangoapp"
COMMON = "common"
COURSE = "course-v1:edX+DemoX+Demo_Course"


def test_the_entry_point_resolves_to_the_app_config():
    ours = [point for point in entry_points(group="lms.djangoapp") if point.value.startswith("submissions.")]
    assert [(point.name, point.value) for point in ours] == [
        ("submissions_instructor", "submissions.instructor_v2.apps:InstructorConfig")
    ]
    assert ours[0].load() is InstructorConfig


def test_the_lms_installs_the_app_from_the_plugin_registry():
    apps = plugins.get_plugin_apps(LMS)
    assert "submissions.instructor_v2.apps.InstructorConfig" in apps
    assert not any(app.startswith("submissions.apps") for app in apps)  # the LMS lists "submissions" itself


def test_plugin_settings_add_the_apps_the_instructor_api_needs(monkeypatch):
    module = types.ModuleType("lms_settings_for_test")
    module.INSTALLED_APPS = ["django.contrib.auth", "submissions", "drf_spectacular"]
    monkeypatch.setitem(sys.modules, module.__name__, module)
    plugins.add_plugins(module.__name__, LMS, COMMON)
    assert module.INSTALLED_APPS == ["django.contrib.auth", "submissions", "drf_spectacular", "drf_spectacular_sidecar"]
    plugins.add_plugins(module.__name__, LMS, COMMON)  # idempotent
    assert module.INSTALLED_APPS.count("drf_spectacular_sidecar") == 1


@pytest.mark.django_db
@override_settings(ROOT_URLCONF="tests.projects.plugin_lms_urls")
def test_the_plugin_urls_serve_the_instructor_api(client):
    match = resolve(f"/api/instructor/v2/courses/{COURSE}/grading-config")
    assert (match.namespace, match.url_name) == ("instructor_api_v2", "grading_config")
    task = reverse("instructor_api_v2:task_status", kwargs={"course_key": COURSE, "task_id": "t1"})
    assert task == f"/api/instructor/v2/courses/{COURSE}/tasks/t1"
    response = client.get("/api/instructor/v2/schema/?format=json")
    assert response.status_code == 200
    assert "/api/instructor/v2/courses/{course_key}/tasks/{task_id}" in response.json()["paths"]
    assert client.get(f"/api/instructor/v2/courses/{COURSE}/grading-config").status_code == 401
