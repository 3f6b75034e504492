"""
Packaging: every module imports, every third-party import is a declared dependency, Open edX packages are an
optional extra, the version is the distribution's, and the core flows work. The ``base`` tox env runs this file
with no extras installed and the core-only host settings (``tests/projects/core_settings.py``).
"""

import ast
import configparser
import importlib
import importlib.metadata
import importlib.util
import os
import pkgutil
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from django.apps import apps

import submissions

DIST = "django-submissions"
PACKAGE_DIR = Path(submissions.__file__).parent
OPENEDX_PACKAGES = {"openedx-events", "edx-opaque-keys"}
# Declared by edx-submissions 4.x although unused at runtime (spec §8 #19), or needed only by its old migrations.
NEVER_RUNTIME = {"edx-django-release-util", "jsonfield", "django-model-utils", "pytz"}


# Import name -> distribution name, for optional packages absent from the environment under test.
UNINSTALLED = {
    "opaque_keys": "edx-opaque-keys",
    "openedx_events": "openedx-events",
    "storages": "django-storages",
    "boto3": "django-storages",
    "rest_framework": "djangorestframework",
    "django_fsm": "django-fsm-2",
    "drf_spectacular": "drf-spectacular",
    "drf_spectacular_sidecar": "drf-spectacular",
    "django_tasks": "django-tasks",
    "django_tasks_db": "django-tasks-db",
    "edx_event_bus_redis": "edx-event-bus-redis",
    "prometheus_client": "prometheus-client",
}

#: Modules only an extra makes importable (nothing imports them unless the extra is installed and enabled).
EXTRA_ONLY_MODULES = {
    "submissions.metrics.collector": "prometheus_client",
    "submissions.metrics.prometheus": "prometheus_client",
}


def normalise(name):
    return re.sub(r"[-_.]+", "-", name).lower()


def declared_requirements():
    """``{extra or None: {distribution names}}`` from the installed metadata, else from pyproject.toml."""
    try:
        requires = importlib.metadata.requires(DIST) or []
    except importlib.metadata.PackageNotFoundError:
        requires = None
    declared = {}
    if requires is not None:
        for requirement in requires:
            name = normalise(re.match(r"[A-Za-z0-9_.\-]+", requirement).group(0))
            extra = re.search(r"""extra\s*==\s*["']([^"']+)["']""", requirement)
            declared.setdefault(extra.group(1) if extra else None, set()).add(name)
        return declared
    project = tomllib.loads((PACKAGE_DIR.parent / "pyproject.toml").read_text())["project"]
    groups = {None: project["dependencies"], **project.get("optional-dependencies", {})}
    for extra, requirements in groups.items():
        declared[extra] = {normalise(re.match(r"[A-Za-z0-9_.\-]+", item).group(0)) for item in requirements}
    return declared


def installed_apps_packages():
    return {config.name for config in apps.get_app_configs()}


def our_modules():
    """Every module of the package, except ``__main__`` entry points and apps this host did not install."""
    app_packages = {"submissions.instructor_v2"}  # optional Django apps shipped inside the package
    skipped = app_packages - installed_apps_packages()
    without_admin = "django.contrib.admin" not in installed_apps_packages()
    names = []
    for info in pkgutil.walk_packages(submissions.__path__, "submissions."):
        if info.name.endswith("__main__") or any(info.name.startswith(f"{app}.") for app in skipped):
            continue
        if without_admin and info.name.rsplit(".", 1)[-1] == "admin":
            continue  # admin modules need django.contrib.admin, like any app's admin.py
        if info.name in EXTRA_ONLY_MODULES and importlib.util.find_spec(EXTRA_ONLY_MODULES[info.name]) is None:
            continue
        names.append(info.name)
    return names


def test_every_module_imports():
    failures = {}
    for name in our_modules():
        try:
            importlib.import_module(name)
        except Exception as exc:  # noqa: BLE001 - report every failing module at once
            failures[name] = f"{type(exc).__name__}: {exc}"
    assert not failures, failures


def _top_level_imports(path):
    tree = ast.parse(path.read_text(), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name.split(".")[0]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.module.split(".")[0]


def test_every_third_party_import_is_declared():
    """Spec §8 #19: no undeclared runtime import (each belongs to a dependency or an extra)."""
    declared = set().union(*declared_requirements().values())
    distributions = importlib.metadata.packages_distributions()
    undeclared = {}
    for path in PACKAGE_DIR.rglob("*.py"):
        for module in _top_level_imports(path):
            if module in sys.stdlib_module_names or module in {"submissions", "__future__"}:
                continue
            # A package that is not installed here (an extra, in the base env) is known by its usual name.
            owners = {normalise(dist) for dist in distributions.get(module) or [UNINSTALLED.get(module, module)]}
            if not owners & declared:
                undeclared.setdefault(module, set()).add(str(path.relative_to(PACKAGE_DIR.parent)))
    assert not undeclared, undeclared


def test_open_edx_packages_are_an_optional_extra():
    declared = declared_requirements()
    assert not (OPENEDX_PACKAGES | NEVER_RUNTIME) & declared[None]
    assert declared["openedx"] >= OPENEDX_PACKAGES
    assert {"django", "djangorestframework", "django-fsm-2"} <= declared[None]


def test_version_is_the_distributions():
    try:
        version = importlib.metadata.version(DIST)
    except importlib.metadata.PackageNotFoundError:
        pytest.skip("django-submissions is not installed (running from a bare source tree)")
    assert version == submissions.__version__


@pytest.mark.django_db
def test_core_flow(django_capture_on_commit_callbacks):
    from django.contrib.auth import get_user_model

    from submissions import api, team_api
    from submissions.signals import score_reset, score_set

    received = []

    def on_score(**kwargs):
        received.append(("set", kwargs["points_earned"], kwargs["points_possible"]))

    def on_reset(**kwargs):
        received.append(("reset", kwargs["anonymous_user_id"]))

    score_set.connect(on_score, dispatch_uid="test_packaging.score_set")
    score_reset.connect(on_reset, dispatch_uid="test_packaging.score_reset")
    try:
        item = {"student_id": "learner", "course_id": "course-v1:X+Y+Z", "item_id": "item", "item_type": "problem"}
        submission = api.create_submission(item, {"answer": "ünïcode"})
        assert api.get_submission(submission["uuid"])["answer"] == {"answer": "ünïcode"}
        api.set_score(submission["uuid"], 3, 4)
        assert api.get_score(item)["points_earned"] == 3
        api.reset_score("learner", "course-v1:X+Y+Z", "item")
        assert api.get_score(item) is None
        captain = get_user_model().objects.create_user("captain")
        team = team_api.create_submission_for_team("course-v1:X+Y+Z", "ti", "t", captain.pk, ["a", "b"], "answer")
        assert len(team["submission_uuids"]) == 2
    finally:
        score_set.disconnect(dispatch_uid="test_packaging.score_set")
        score_reset.disconnect(dispatch_uid="test_packaging.score_reset")
    assert received == [("set", 3, 4), ("reset", "learner")]


@pytest.mark.django_db(transaction=True)
def test_external_grader_flow_sends_the_django_signal():
    """Queue, pull, grade: the Django signal goes out after commit, with or without openedx-events."""
    from submissions.external_grader import queue
    from submissions.signals import external_grader_score_submitted

    received = []

    def on_grade(sender, score, **kwargs):
        received.append(score)

    external_grader_score_submitted.connect(on_grade, dispatch_uid="test_packaging.grade")
    try:
        item = {"student_id": "coder", "course_id": "course-v1:X+Y+Z", "item_id": "code", "item_type": "problem"}
        queue.create_external_grader_detail(item, "print(1)", "python", "lms-key", points_possible=2)
        row = queue.pull("python")
        queue.put_result(row.submission_id, row.pullkey, {"correct": True, "score": 1, "msg": "ok"})
    finally:
        external_grader_score_submitted.disconnect(dispatch_uid="test_packaging.grade")
    assert len(received) == 1
    assert received[0].points_earned == 2


def manage_py_check(settings_module):
    """``django-admin check`` of a host project in tests/projects, in a process of its own."""
    root = Path(__file__).resolve().parent.parent  # holds tests/ (a copy of it in the dist env)
    return subprocess.run(
        [sys.executable, "-m", "django", "check", f"--settings={settings_module}"],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONPATH": str(root)},
    )


def test_the_core_host_passes_its_checks():
    done = manage_py_check("tests.projects.core_settings")
    assert done.returncode == 0, done.stderr
    assert "no issues" in done.stdout


@pytest.mark.skipif(not importlib.util.find_spec("drf_spectacular"), reason="the [instructor] extra is not installed")
def test_the_instructor_host_passes_its_checks_with_the_extra():
    done = manage_py_check("tests.projects.instructor_settings")
    assert done.returncode == 0, done.stderr
    assert "no issues" in done.stdout


@pytest.mark.skipif(bool(importlib.util.find_spec("drf_spectacular")), reason="needs an env without [instructor]")
def test_the_instructor_app_without_its_extra_is_a_check_error_with_the_fix():
    """Issue 15: a check error naming the extra, not a ModuleNotFoundError (the ``base`` tox env runs this)."""
    done = manage_py_check("tests.projects.instructor_settings")
    assert done.returncode == 1
    assert "Traceback" not in done.stderr, done.stderr
    assert "(submissions_instructor.E004)" in done.stderr
    assert "pip install 'django-submissions[instructor]'" in done.stderr


def tox_combinations(tox_ini):
    """``{("3.12", "5.2"), ...}``: the Python and Django versions of tox's default envlist (factors ``py312``,
    ``django52``; braces expanded)."""
    parser = configparser.ConfigParser(interpolation=None)
    parser.read_string(tox_ini)
    combinations = set()
    for line in parser["tox"]["envlist"].split():
        names = [line]
        while any("{" in name for name in names):
            expanded = []
            for name in names:
                match = re.search(r"\{([^}]*)\}", name)
                if not match:
                    expanded.append(name)
                    continue
                expanded += [name[: match.start()] + part + name[match.end() :] for part in match.group(1).split(",")]
            names = expanded
        for name in names:
            python = re.search(r"(?:^|-)py3(\d+)(?:-|$)", name)
            django = re.search(r"(?:^|-)django(\d)(\d)(?:-|$)", name)
            if python and django:
                combinations.add((f"3.{python.group(1)}", f"{django.group(1)}.{django.group(2)}"))
    return combinations


@pytest.mark.skipif(not (PACKAGE_DIR.parent / "tox.ini").is_file(), reason="no source checkout (the dist env)")
def test_classifiers_are_what_tox_runs():
    """Issue 15: the classifiers claimed Django 6.0 while tox ran 6.1."""
    try:
        classifiers = importlib.metadata.metadata(DIST).get_all("Classifier")
    except importlib.metadata.PackageNotFoundError:
        classifiers = tomllib.loads((PACKAGE_DIR.parent / "pyproject.toml").read_text())["project"]["classifiers"]
    combinations = tox_combinations((PACKAGE_DIR.parent / "tox.ini").read_text())
    assert {python for python, _ in combinations} == {
        item.rsplit(" :: ", 1)[1] for item in classifiers if item.startswith("Programming Language :: Python :: 3.")
    }
    assert {django for _, django in combinations} == {
        item.rsplit(" :: ", 1)[1] for item in classifiers if item.startswith("Framework :: Django :: ")
    }


def test_tox_combinations_reads_braces():
    envlist = "[tox]\nenvlist =\n    py312-django52-{sqlite,mysql}\n    py313-django61-sqlite\n    base\n"
    assert tox_combinations(envlist) == {("3.12", "5.2"), ("3.13", "6.1")}


def test_extras_that_build_on_another_repeat_it_exactly():
    """``[celery]`` works alone only with all of ``[instructor]``, ``[event-bus-redis]`` with all of ``[openedx]``."""
    try:
        requires = importlib.metadata.requires(DIST) or []
    except importlib.metadata.PackageNotFoundError:
        pytest.skip("django-submissions is not installed (running from a bare source tree)")

    def extra(name):
        marker = re.compile(rf"""extra\s*==\s*["']{re.escape(name)}["']""")
        return {requirement.split(";")[0].strip() for requirement in requires if marker.search(requirement)}

    assert extra("celery") >= extra("instructor")
    assert extra("event-bus-redis") >= extra("openedx")


@pytest.mark.django_db(transaction=True)
def test_metrics_switched_on_without_the_extra(settings):
    """Without prometheus_client, METRICS on is error E301, nothing is counted, and grading works as before."""
    if importlib.util.find_spec("prometheus_client") is not None:
        pytest.skip("the [metrics] extra is installed (the base tox env runs this)")
    from django.core.checks import run_checks

    from submissions import metrics
    from submissions.external_grader import queue

    settings.SUBMISSIONS = {"METRICS": True}
    assert "submissions.E301" in [message.id for message in run_checks()]
    assert metrics.record is metrics.OFF
    item = {"student_id": "coder", "course_id": "course-v1:X+Y+Z", "item_id": "metrics", "item_type": "problem"}
    queue.create_external_grader_detail(item, "print(1)", "python", "lms-key", points_possible=2)
    row = queue.pull("python")
    outcome = queue.put_result(row.submission_id, row.pullkey, {"correct": True, "score": 1, "msg": "ok"})
    assert outcome.points_earned == 2
