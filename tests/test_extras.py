"""
Each extra works alone (issue 15: ``[celery]`` alone left the Celery backend without its base class). The
``extra-<name>`` tox envs install the library with that one extra and nothing else but pytest, then run this
file with ``tests/projects/extra_settings.py``: the modules the extra serves import, and a host configured
for it passes ``manage.py check``. In any other environment the tests check whatever the installed extras
allow, and skip the rest.
"""

import importlib
import importlib.util
import os
import pkgutil
import subprocess
import sys
from pathlib import Path

import pytest

import submissions.instructor_v2

EXTRA = os.environ.get("SUBMISSIONS_EXTRA")
ROOT = Path(__file__).resolve().parent.parent

#: The instructor app's modules, but the Celery backend (the [celery] extra's) and the admin (a host without
#: django.contrib.admin, as this one, does not import it, like any app's admin.py).
INSTRUCTOR = [
    info.name
    for info in pkgutil.walk_packages(submissions.instructor_v2.__path__, "submissions.instructor_v2.")
    if info.name not in ("submissions.instructor_v2.celery_backend", "submissions.instructor_v2.admin")
]
#: extra (tox factor) → (the distributions it must bring, the modules it serves).
EXTRAS = {
    "openedx": (["openedx_events", "opaque_keys"], ["submissions.external_grader.events", "opaque_keys.edx.keys"]),
    "s3": (["storages", "boto3"], ["storages.backends.s3"]),
    "instructor": (["drf_spectacular", "django_tasks_db"], INSTRUCTOR),
    "celery": (["celery", "drf_spectacular"], [*INSTRUCTOR, "submissions.instructor_v2.celery_backend"]),
    "bus": (["edx_event_bus_redis", "openedx_events"], ["submissions.external_grader.bus"]),
    "metrics": (["prometheus_client"], ["submissions.metrics.prometheus", "submissions.metrics.collector"]),
}

pytestmark = pytest.mark.skipif(EXTRA not in EXTRAS, reason="run by the extra-<name> tox envs (SUBMISSIONS_EXTRA)")


def test_the_extra_brings_its_packages():
    packages, _modules = EXTRAS[EXTRA]
    assert [name for name in packages if importlib.util.find_spec(name) is None] == []


def test_the_modules_the_extra_serves_import():
    _packages, modules = EXTRAS[EXTRA]
    failures = {}
    for name in modules:
        try:
            importlib.import_module(name)
        except Exception as exc:  # noqa: BLE001 - report every failing module at once
            failures[name] = f"{type(exc).__name__}: {exc}"
    assert not failures, failures


@pytest.mark.skipif(EXTRA != "bus", reason="the event-bus extra only")
def test_the_event_bus_internals_are_there():
    from submissions.external_grader.bus import redis_internals

    assert redis_internals().RedisEventProducer


def test_a_host_configured_for_the_extra_passes_its_checks():
    done = subprocess.run(
        [sys.executable, "-m", "django", "check", "--settings=tests.projects.extra_settings"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert done.returncode == 0, done.stderr
    assert "no issues" in done.stdout
