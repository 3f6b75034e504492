"""
The ora2 clash, end to end (issue 13, point 5): in fresh virtualenvs that first get edx-submissions 4.0.2 the
way an LMS does (pinned, and required by a stand-in for ora2), the ``pip steps`` and ``uv steps`` of
docs/dropin.rst are run verbatim by bash; afterwards our code is what Python imports, ``submissions.W001`` is
quiet, and a later install of the LMS's requirements does not bring 4.x back. Before the steps, the check is
shown to fire for both broken states (both distributions installed; 4.x files written over ours).

The stand-in for ora2 is a wheel whose only requirement is ``edx-submissions``, which is exactly what ora2
7.1.2 declares about it; the real ora2 would add some 25 unrelated dependencies to every virtualenv.

Slow (virtualenvs, our wheel, PyPI through pip and uv): runs only with ``SUBMISSIONS_DROPIN_TEST=1``, which
``tox -e dropin`` sets.
"""

import json
import os
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from submissions import __version__
from submissions.dropin import metadata_wheel

pytestmark = pytest.mark.skipif(
    os.environ.get("SUBMISSIONS_DROPIN_TEST") != "1",
    reason="set SUBMISSIONS_DROPIN_TEST=1 (tox -e dropin) to build virtualenvs with edx-submissions 4.0.2",
)

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "dropin.rst"
#: The LMS's requirements as far as the clash goes: 4.0.2 pinned (pip-compiled "via ora2") and ora2's requirement.
LMS_REQUIREMENTS = "Django>=5.2,<5.3\nedx-submissions==4.0.2\nlms-ora2-standin==7.1.2\n"
SETTINGS = """
SECRET_KEY = "dropin-test-only"
USE_TZ = True
INSTALLED_APPS = ["django.contrib.auth", "django.contrib.contenttypes", "submissions"]
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}}
"""
PROBE = """
import importlib.metadata as metadata, json, django

django.setup()

import submissions, submissions.api, submissions.team_api


def version(name):
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


print(json.dumps({"version": submissions.__version__, "edx": version("edx-submissions"), "ours": version(
    "django-submissions")}))
"""


def doc_block(caption):
    """The lines of the code block of docs/dropin.rst with this caption, ``VERSION`` filled in."""
    text = DOC.read_text()
    match = re.search(rf":caption: {caption}\n\n((?:   .*\n|\n)+)", text)
    assert match, f"no block {caption!r} in {DOC}"
    return textwrap.dedent(match.group(1)).strip().replace("VERSION", __version__)


@pytest.fixture(scope="module")
def wheels(tmp_path_factory):
    """Our wheel (built from this checkout) and the ora2 stand-in, in separate find-links directories."""
    root = tmp_path_factory.mktemp("wheels")
    ours, lms = root / "ours", root / "lms"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(ours), str(ROOT)],
        check=True,
        timeout=600,
    )
    metadata_wheel("lms-ora2-standin", "7.1.2", ["edx-submissions"], lms, summary="Stands for ora2's requirement")
    return ours, lms


class Site:
    """A virtualenv of an LMS in ``workdir``, driven through bash as an operator would."""

    def __init__(self, workdir, wheels, use_uv=False):
        self.workdir = workdir
        self.venv = workdir / "venv"
        ours, lms = wheels
        (workdir / "requirements.txt").write_text(LMS_REQUIREMENTS)
        (workdir / "lms_settings.py").write_text(SETTINGS)
        (workdir / "probe.py").write_text(PROBE)
        path = os.pathsep.join([str(self.venv / "bin"), str(Path(sys.executable).parent), os.environ["PATH"]])
        self.env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(("DJANGO_", "PYTHON", "VIRTUAL_ENV", "PIP_", "UV_"))
        }
        self.env.update(
            PATH=path,
            VIRTUAL_ENV=str(self.venv),
            PIP_FIND_LINKS=f"{lms} {ours}",
            PIP_DISABLE_PIP_VERSION_CHECK="1",
            UV_FIND_LINKS=f"{lms},{ours}",
            DJANGO_SETTINGS_MODULE="lms_settings",
            PYTHONPATH=str(workdir),
        )
        if use_uv:
            self.bash(f"uv venv -q --python {sys.executable} venv")
        else:
            self.bash(f"{sys.executable} -m venv venv")

    def bash(self, script, check=True):
        result = subprocess.run(
            ["bash", "-euo", "pipefail", "-c", script],
            cwd=self.workdir,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=600,
        )
        if check:
            assert result.returncode == 0, f"{script}\n--- stdout\n{result.stdout}\n--- stderr\n{result.stderr}"
        return result

    def probe(self):
        return json.loads(self.bash("python probe.py").stdout)

    def django_check(self):
        return self.bash("python -m django check", check=False)


def assert_ours_and_quiet(site):
    state = site.probe()
    assert state["version"] == state["ours"] == __version__
    check = site.django_check()
    assert check.returncode == 0 and "System check identified no issues" in check.stdout, check.stdout + check.stderr
    assert site.bash("python -m submissions.dropin check", check=False).returncode == 0
    return state


def test_pip_steps_replace_edx_submissions_for_good(wheels, tmp_path):
    site = Site(tmp_path, wheels)
    site.bash("pip install -q -r requirements.txt")
    state = site.probe()
    assert state["version"] == state["edx"] == "4.0.2"

    # The naive install: both distributions, our files on top. The check names edx-submissions.
    site.bash(f'pip install -q "django-submissions[openedx]=={__version__}"')
    check = site.django_check()
    assert "submissions.W001" in check.stdout + check.stderr and "edx-submissions 4.0.2" in check.stdout + check.stderr
    # What the next install of the LMS's requirements can do: 4.x files written over ours.
    site.bash("pip install -q --force-reinstall --no-deps edx-submissions==4.0.2")
    broken = site.django_check()
    assert broken.returncode != 0 and "ImproperlyConfigured" in broken.stderr and "edx-submissions" in broken.stderr
    assert "docs/dropin.rst" in broken.stderr
    assert site.bash("python -m submissions.dropin check", check=False).returncode == 1

    site.bash(doc_block("pip steps"))
    assert assert_ours_and_quiet(site)["edx"] == "4.0.2+django.submissions"
    site.bash("pip check")
    for again in ("pip install -r requirements.txt", "pip install --upgrade -r requirements.txt"):
        site.bash(again)
        assert_ours_and_quiet(site)


def test_uv_steps_drop_edx_submissions(wheels, tmp_path):
    if shutil.which("uv") is None:
        pytest.fail("uv is not installed (tox -e dropin installs it)")
    site = Site(tmp_path, wheels, use_uv=True)
    site.bash("uv pip install -q -r requirements.txt")
    assert site.probe()["edx"] == "4.0.2"

    site.bash(doc_block("uv steps"))
    assert assert_ours_and_quiet(site)["edx"] is None
    site.bash("UV_OVERRIDE=overrides.txt uv pip install -r requirements.txt")
    assert assert_ours_and_quiet(site)["edx"] is None


def test_uv_project_override_dependencies(wheels, tmp_path):
    """A uv project: 4.0.2 synced first, then the documented ``override-dependencies`` line and our package."""
    if shutil.which("uv") is None:
        pytest.fail("uv is not installed (tox -e dropin installs it)")
    ours, lms = wheels
    (override,) = re.findall(r"^   (override-dependencies = .*)$", DOC.read_text(), flags=re.MULTILINE)
    project = tmp_path / "lms"
    project.mkdir()
    (project / "lms_settings.py").write_text(SETTINGS)
    (project / "probe.py").write_text(PROBE)
    dependencies = ["Django>=5.2,<5.3", "edx-submissions==4.0.2", "lms-ora2-standin==7.1.2"]

    def write(dependencies, *extra):
        (project / "pyproject.toml").write_text(
            f'[project]\nname = "lms"\nversion = "0"\nrequires-python = ">=3.11"\ndependencies = {dependencies!r}\n'
            f'\n[tool.uv]\npackage = false\nfind-links = ["{lms}", "{ours}"]\n' + "".join(f"{line}\n" for line in extra)
        )

    env = {key: value for key, value in os.environ.items() if not key.startswith(("VIRTUAL_ENV", "UV_", "PYTHON"))}
    env.update(DJANGO_SETTINGS_MODULE="lms_settings", PYTHONPATH=str(project))

    def run(*args):
        result = subprocess.run(args, cwd=project, env=env, capture_output=True, text=True, timeout=600)
        assert result.returncode == 0, f"{args}\n{result.stdout}\n{result.stderr}"
        return result.stdout

    write(dependencies)
    run("uv", "sync", "-q", "--python", sys.executable)
    assert "4.0.2" in run("uv", "pip", "show", "edx-submissions")
    write([*dependencies, f"django-submissions[openedx]=={__version__}"], override)
    run("uv", "sync", "-q")
    python = str(project / ".venv" / "bin" / "python")
    state = json.loads(run(python, str(project / "probe.py")))
    assert state == {"version": __version__, "ours": __version__, "edx": None}
    assert "System check identified no issues" in run(python, "-m", "django", "check")
    run(python, "-m", "submissions.dropin", "check")
