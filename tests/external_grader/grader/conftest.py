"""Fixtures of the reference-grader tests: the probed isolation level and a sandbox per test."""

import os
import shutil

import pytest

from submissions.external_grader.grader.languages import COMPILE_LIMITS
from submissions.external_grader.grader.limits import Limits, Verdict
from submissions.external_grader.grader.probe import probe
from submissions.external_grader.grader.sandbox import Level

#: Slot UIDs of the test sandboxes: away from a grader's default 61000 (a running demo is not disturbed) and
#: distinct per test process (parallel tox environments do not count each other's processes).
TEST_SLOT_UID_BASE = int(os.environ.get("GRADER_TEST_SLOT_UID_BASE", 62000 + (os.getpid() % 1000) * 32))


@pytest.fixture(scope="session")
def isolation():
    return probe(slot_uid_base=TEST_SLOT_UID_BASE)


def require(isolation, *levels, feature=None):
    """Skip, naming the detected level, unless the level is one of ``levels`` (and ``feature`` is there)."""
    if isolation.level not in levels:
        pytest.skip(f"needs isolation level {'/'.join(levels)}; detected level is {isolation.level!r}")
    if feature and not getattr(isolation, feature):
        pytest.skip(f"needs {feature}; not available at detected level {isolation.level!r}")


@pytest.fixture
def box(isolation):
    if isolation.level == Level.NONE:
        pytest.skip("detected isolation level is 'none': learner code is not run in tests")
    sandbox = isolation.sandbox(0, slot_uid_base=TEST_SLOT_UID_BASE)
    yield sandbox
    # The sandbox keeps working after whatever the test did to it.
    app = sandbox.new_dir("after-")
    try:
        result = sandbox.run(["/bin/echo", "still alive"], app_dir=app, limits=Limits())
        assert result.verdict == Verdict.OK, result
        assert result.stdout == b"still alive\n"
    finally:
        shutil.rmtree(app, ignore_errors=True)
        sandbox.cleanup()


class Runner:
    """Write a program into a fresh app dir, build it if needed, and run it in the sandbox."""

    def __init__(self, sandbox):
        self.sandbox = sandbox

    def python(self, code, limits=None, stdin=b""):
        app = self.sandbox.new_dir("app-")
        work = self.sandbox.new_dir("work-")
        with open(os.path.join(app, "main.py"), "w") as handle:
            handle.write(code)
        try:
            return self.sandbox.run(
                ["/usr/bin/python3", "-I", "-B", "{app}/main.py"],
                app_dir=app,
                work_dir=work,
                stdin=stdin,
                limits=limits or Limits(),
            )
        finally:
            shutil.rmtree(app, ignore_errors=True)
            shutil.rmtree(work, ignore_errors=True)

    def c(self, code, limits=None):
        if not shutil.which("gcc"):
            pytest.skip("gcc is not installed")
        app = self.sandbox.new_dir("app-")
        work = self.sandbox.new_dir("work-")
        with open(os.path.join(app, "main.c"), "w") as handle:
            handle.write(code)
        try:
            built = self.sandbox.run(
                ["/usr/bin/gcc", "-O1", "-o", "{app}/main", "{app}/main.c"],
                app_dir=app,
                app_writable=True,
                limits=COMPILE_LIMITS,
                cwd="{app}",
            )
            assert built.verdict == Verdict.OK, built.stderr
            return self.sandbox.run(["{app}/main"], app_dir=app, work_dir=work, limits=limits or Limits())
        finally:
            shutil.rmtree(app, ignore_errors=True)
            shutil.rmtree(work, ignore_errors=True)


@pytest.fixture
def runner(box):
    return Runner(box)


@pytest.fixture
def grader_account():
    """A grader account (member of the ``xqueue`` group) for the tests against a live server."""
    from django.contrib.auth.models import Group, User

    from .live import PASSWORD, USERNAME

    user = User.objects.create_user(username=USERNAME, password=PASSWORD)
    user.groups.add(Group.objects.get_or_create(name="xqueue")[0])
    return user
