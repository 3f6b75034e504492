"""
The drop-in upgrade, proven on real databases: edx-submissions 4.0.2 from PyPI (in its own virtualenv, with
Django 4.2 as an LMS of its era ran it) migrates a fresh PostgreSQL and a fresh MariaDB database and writes rows
of every model through its own API; then this library migrates the same database in place and must read every
row back identically through ``submissions.api``/``team_api``.

Expensive (a virtualenv, two databases): runs only with ``SUBMISSIONS_UPGRADE_TEST=1``, which ``tox -e upgrade``
sets. The 4.x virtualenv is cached under ``.tox/`` (or the temp dir) between runs.
"""

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

import pytest

pytestmark = [
    pytest.mark.upgrade,
    pytest.mark.skipif(
        os.environ.get("SUBMISSIONS_UPGRADE_TEST") != "1",
        reason="set SUBMISSIONS_UPGRADE_TEST=1 (tox -e upgrade) to build databases with edx-submissions 4.0.2",
    ),
]

LEGACY_REQUIREMENTS = [
    "edx-submissions==4.0.2",
    "Django>=4.2,<4.3",
    "psycopg[binary]>=3.1",
    "mysqlclient>=2.2",
]
LEGACY_MIGRATIONS = [
    "0001_initial",
    "0002_auto_20151119_0913",
    "0003_submission_status",
    "0004_remove_django_extensions",
    "0005_CreateTeamModel",
    "0001_squashed_0005_CreateTeamModel",
    "0002_team_submission_optional",
    "0003_ensure_ascii",
    "0004_externalgraderdetail",
    "0005_submissionfile",
    "0006_mariadb_uuid_conversion",
    "0007_merge_20251020_2045",
    "0008_externalgraderdetail_queue_key_and_more",
]
SCRIPTS = Path(__file__).parent / "edx_submissions_4x"
PREFIX = os.environ.get("SUBMISSIONS_TEST_DB_NAME", "sub_infra")

PG = {
    "ENGINE": "django.db.backends.postgresql",
    "USER": os.environ.get("PGUSER", "postgres"),
    "PASSWORD": os.environ.get("PGPASSWORD", ""),
    "HOST": os.environ.get("PGHOST", "127.0.0.1"),
    "PORT": os.environ.get("PGPORT", "5432"),
}
MY = {
    "ENGINE": "django.db.backends.mysql",
    "USER": os.environ.get("MYSQL_USER", "root"),
    "PASSWORD": os.environ.get("MYSQL_PASSWORD", ""),
    "HOST": os.environ.get("MYSQL_HOST", "127.0.0.1"),
    "PORT": os.environ.get("MYSQL_PORT", "3306"),
    "OPTIONS": {"charset": "utf8mb4"},
}


# -- the edx-submissions 4.0.2 side ------------------------------------------------------------------------------


def _cache_root():
    return Path(os.environ.get("TOX_WORK_DIR") or tempfile.gettempdir())


@pytest.fixture(scope="session")
def legacy_python():
    """A virtualenv with edx-submissions 4.0.2 from PyPI, built once and reused."""
    version = f"py{sys.version_info.major}{sys.version_info.minor}"
    venv = _cache_root() / f"edx-submissions-4.0.2-{version}"
    python = venv / "bin" / "python"
    marker = venv / "requirements.json"
    if marker.exists() and json.loads(marker.read_text()) == LEGACY_REQUIREMENTS and python.exists():
        return python
    shutil.rmtree(venv, ignore_errors=True)
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
    subprocess.run(
        [str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check", *LEGACY_REQUIREMENTS],
        check=True,
        timeout=900,
    )
    marker.write_text(json.dumps(LEGACY_REQUIREMENTS))
    return python


def _clean_env(**extra):
    env = {key: value for key, value in os.environ.items() if not key.startswith(("DJANGO_", "PYTHON", "VIRTUAL_ENV"))}
    env.update(extra)
    return env


def run(python, args, workdir, settings_module, check=True, path=()):
    result = subprocess.run(
        [str(python), *args],
        cwd=workdir,
        env=_clean_env(DJANGO_SETTINGS_MODULE=settings_module, PYTHONPATH=os.pathsep.join([str(workdir), *path])),
        capture_output=True,
        text=True,
        timeout=900,
    )
    if check:
        assert result.returncode == 0, f"{args} failed:\n{result.stdout}\n{result.stderr}"
    return result


# -- databases ---------------------------------------------------------------------------------------------------


def _server_connection(vendor):
    if vendor == "postgres":
        import psycopg

        credentials = {"host": PG["HOST"], "port": PG["PORT"], "user": PG["USER"], "password": PG["PASSWORD"]}
        return psycopg.connect(dbname="postgres", autocommit=True, **credentials)
    import MySQLdb

    return MySQLdb.connect(host=MY["HOST"], port=int(MY["PORT"]), user=MY["USER"], password=MY["PASSWORD"])


def _recreate(vendor, name, drop_only=False):
    connection = _server_connection(vendor)
    try:
        cursor = connection.cursor()
        if vendor == "postgres":
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            if not drop_only:
                cursor.execute(f"CREATE DATABASE \"{name}\" ENCODING 'UTF8'")
        else:
            cursor.execute(f"DROP DATABASE IF EXISTS `{name}`")
            if not drop_only:
                cursor.execute(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci")
    finally:
        connection.close()


@pytest.fixture(params=["postgres", "mysql"])
def database(request):
    vendor = request.param
    name = f"{PREFIX}_up_{'pg' if vendor == 'postgres' else 'my'}"
    try:
        _recreate(vendor, name)
    except Exception as exc:  # noqa: BLE001
        pytest.fail(f"cannot create {vendor} database {name}: {exc}")
    yield vendor, {**(PG if vendor == "postgres" else MY), "NAME": name}
    if not os.environ.get("SUBMISSIONS_KEEP_UPGRADE_DB"):
        _recreate(vendor, name, drop_only=True)


def _write_settings(workdir, module, database, media_root, base=None):
    lines = [f"from {base} import *  # noqa: F403"] if base else []
    lines.append(
        textwrap.dedent(
            f"""
            DATABASES = {{"default": {database!r}}}
            MEDIA_ROOT = {str(media_root)!r}
            MEDIA_URL = "/media/"
            USE_TZ = True
            TIME_ZONE = "UTC"
            SECRET_KEY = "upgrade-test-only"
            CACHES = {{"default": {{"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}}}
            """
        )
    )
    if not base:
        lines.append(
            'INSTALLED_APPS = ["django.contrib.auth", "django.contrib.contenttypes", "submissions"]\n'
            'DEFAULT_AUTO_FIELD = "django.db.models.AutoField"\n'
        )
    (workdir / f"{module}.py").write_text("\n".join(lines))


def _build_with_4x(legacy_python, workdir, vendor):
    """Migrate with edx-submissions 4.0.2 the way an LMS on MariaDB or PostgreSQL could get to 0008."""
    django = ["-m", "django"]
    if vendor == "mysql":
        # 4.x's 0006 alters tables that have no uuid column: on MariaDB it fails after converting
        # submissions_submission (spec §8 #10). An operator then fakes it to reach 0008.
        run(legacy_python, [*django, "migrate", "submissions", "0005_submissionfile"], workdir, "legacy_settings")
        failed = run(legacy_python, [*django, "migrate", "submissions"], workdir, "legacy_settings", check=False)
        assert failed.returncode != 0 and "0006_mariadb_uuid_conversion" in failed.stdout + failed.stderr, failed
        run(
            legacy_python,
            [*django, "migrate", "submissions", "0006_mariadb_uuid_conversion", "--fake"],
            workdir,
            "legacy_settings",
        )
    run(legacy_python, [*django, "migrate"], workdir, "legacy_settings")
    shown = run(legacy_python, [*django, "showmigrations", "submissions"], workdir, "legacy_settings").stdout
    for name in LEGACY_MIGRATIONS[5:]:
        assert f"[X] {name}" in shown, shown
    run(legacy_python, [str(SCRIPTS / "write_with_4x.py"), "manifest.json"], workdir, "legacy_settings")
    run(legacy_python, [str(SCRIPTS / "dump.py"), "manifest.json", "legacy.json"], workdir, "legacy_settings")
    return json.loads((workdir / "legacy.json").read_text())


def _ours(workdir, args, check=True):
    """Run with this library, the suite's settings module (and its test URLconf) importable."""
    import test_settings

    suite_root = str(Path(test_settings.__file__).resolve().parent)
    return run(sys.executable, args, workdir, "our_settings", check=check, path=[suite_root])


def _uuid_column_types(vendor, name):
    if vendor != "mysql":
        return {}
    connection = _server_connection(vendor)
    try:
        cursor = connection.cursor()
        cursor.execute(
            "SELECT TABLE_NAME, DATA_TYPE FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = %s "
            "AND COLUMN_NAME = 'uuid' ORDER BY TABLE_NAME",
            [name],
        )
        return dict(cursor.fetchall())
    finally:
        connection.close()


def test_database_built_by_edx_submissions_4_0_2_upgrades_in_place(legacy_python, database, tmp_path):
    vendor, db_settings = database
    media_root = tmp_path / "media"
    media_root.mkdir()
    _write_settings(tmp_path, "legacy_settings", db_settings, media_root)
    legacy = _build_with_4x(legacy_python, tmp_path, vendor)
    assert len(legacy["tables"]["Submission"]) == 14
    assert all(legacy["tables"][model] for model in legacy["tables"]), "4.x wrote no rows of some model"
    if vendor == "mysql":
        # The state a MariaDB LMS is left in by 4.x: one column converted, the others still char(32).
        assert _uuid_column_types(vendor, db_settings["NAME"]) == {
            "submissions_submission": "uuid",
            "submissions_submissionfile": "char",
            "submissions_teamsubmission": "char",
        }

    # Our side: the suite's own settings (all of its apps) on the same database and media.
    _write_settings(tmp_path, "our_settings", db_settings, media_root, base="test_settings")
    plan = _ours(tmp_path, ["-m", "django", "migrate", "--plan"]).stdout
    planned = re.findall(r"^\s*submissions\.(\w+)", plan, flags=re.MULTILINE)
    assert planned and not set(planned) & set(LEGACY_MIGRATIONS), f"4.x migrations would run again:\n{plan}"
    _ours(tmp_path, ["-m", "django", "migrate"])
    assert "No changes detected" in _ours(tmp_path, ["-m", "django", "makemigrations", "--check", "--dry-run"]).stdout
    shown = _ours(tmp_path, ["-m", "django", "showmigrations", "submissions"]).stdout
    assert "[ ]" not in shown, shown
    if vendor == "mysql":
        assert set(_uuid_column_types(vendor, db_settings["NAME"]).values()) == {"uuid"}

    _ours(tmp_path, [str(SCRIPTS / "dump.py"), "manifest.json", "ours.json"])
    ours = json.loads((tmp_path / "ours.json").read_text())

    assert ours["tables"] == legacy["tables"]
    assert ours["grader_files"] == legacy["grader_files"]
    assert sorted(map(sorted, legacy["grader_files"].values()))[-1] == ["données.csv", "main.py"]
    expected = {call: expected_outcome(vendor, call, outcome) for call, outcome in legacy["calls"].items()}
    mismatches = {
        call: {"4.0.2": legacy["calls"][call], "expected": expected[call], "ours": ours["calls"].get(call)}
        for call in legacy["calls"]
        if ours["calls"].get(call) != expected[call]
    }
    assert not mismatches, json.dumps(mismatches, indent=1, ensure_ascii=False)[:20000]
    errors = sorted({outcome["error"] for outcome in expected.values() if "error" in outcome})
    assert errors == ["SubmissionNotFoundError", "SubmissionRequestError", "TeamSubmissionNotFoundError"]
    # The issue-13 contract, spelled out: 4.x's uuid.UUID objects where it gave them, its answers to None ids.
    none_team = json.dumps(["team_api.get_team_submission", [None], {}])
    assert expected[none_team] == ours["calls"][none_team] == {"error": "TeamSubmissionNotFoundError"}
    team_uuid = next(key for key in expected if key.startswith('["team_api.get_team_submission_for_team"'))
    assert all("$UUID" in item for item in expected[team_uuid]["result"]["items"]["submission_uuids"]["items"])


#: Container classes of 4.x results and what we return instead (docs/api.rst, "Differences"): DRF's
#: ``ReturnDict``/``ReturnList`` (dict/list subclasses holding a reference to their serializer) become plain
#: ``dict``/``list``; jsonfield's ``JSONString`` (the ``str`` subclass its answers came back as) a plain ``str``.
PLAIN_CLASSES = {"ReturnDict": "dict", "OrderedDict": "dict", "ReturnList": "list"}


def plain_classes(value):
    """A typed 4.x result (``dump.typed``) with the container and string classes we return instead."""
    if isinstance(value, list):
        return [plain_classes(item) for item in value]
    if not isinstance(value, dict):
        return value
    if set(value) == {"$JSONString"}:
        return value["$JSONString"]
    result = {key: plain_classes(item) for key, item in value.items()}
    for kind in ("$dict", "$list"):
        if kind in result:
            result[kind] = PLAIN_CLASSES.get(result[kind], result[kind])
    return result


def expected_outcome(vendor, call, legacy_outcome):
    """
    What our API must return for a call: 4.x's answer, value by value and type by type, except the
    deliberate differences listed in docs/api.rst (each one handled here, nothing else).
    """
    name, args = json.loads(call)[:2]
    if vendor == "postgres" and legacy_outcome.get("error") in {"SubmissionInternalError", "ProgrammingError"}:
        # §8 #7: for a uuid that is unknown (or soft-deleted), 4.x falls back to MySQL-only SQL that fails on
        # PostgreSQL. The correct answers are those 4.x gives on MariaDB.
        if name in {"api.get_submission", "api.get_submission_and_student"}:
            return {"error": "SubmissionNotFoundError"}
        if name == "api.get_latest_score_for_submission":
            return {"result": None}
    if name == "api.get_latest_score_for_submission" and args == [None] and legacy_outcome == {"error": "TypeError"}:
        # 4.x's legacy-uuid fallback runs ``UUID(None)`` and leaks its TypeError; no submission has no score.
        return {"result": None}
    return plain_classes(legacy_outcome)
