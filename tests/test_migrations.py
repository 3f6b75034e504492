"""
The migration lineage: names and dependencies of edx-submissions 4.x, clean ``makemigrations`` (also under a
host's ``BigAutoField`` default), additive-only migrations after 0008, and real migrate runs on the current
database: forward, back to zero and forward again; the pre-squash 4.x path; the MariaDB uuid conversion.
"""

import os
import subprocess
import sys
import uuid
from collections import defaultdict
from io import StringIO

import pytest
from django.apps import apps
from django.conf import settings
from django.core.management import call_command
from django.db import connection, migrations
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder

APP = "submissions"

# Spec §7: every 4.x migration name with its dependencies ("__user__" stands for the swappable user model).
SPEC_MIGRATIONS = {
    "0001_initial": set(),
    "0002_auto_20151119_0913": {"0001_initial"},
    "0003_submission_status": {"0002_auto_20151119_0913"},
    "0004_remove_django_extensions": {"0003_submission_status"},
    "0005_CreateTeamModel": {"0004_remove_django_extensions", "__user__"},
    "0001_squashed_0005_CreateTeamModel": {"__user__"},
    "0002_team_submission_optional": {"0001_squashed_0005_CreateTeamModel"},
    "0003_ensure_ascii": {"0002_team_submission_optional"},
    "0004_externalgraderdetail": {"0003_ensure_ascii"},
    "0005_submissionfile": {"0004_externalgraderdetail"},
    "0006_mariadb_uuid_conversion": {"0005_CreateTeamModel"},
    "0007_merge_20251020_2045": {"0005_submissionfile", "0006_mariadb_uuid_conversion"},
    "0008_externalgraderdetail_queue_key_and_more": {"0007_merge_20251020_2045"},
}
REPLACED_BY_SQUASH = [
    "0001_initial",
    "0002_auto_20151119_0913",
    "0003_submission_status",
    "0004_remove_django_extensions",
    "0005_CreateTeamModel",
]
# The only duplicated numbers: the legacy lineage before and after the 4.x squash.
LEGACY_DUPLICATES = {
    "0001": {"0001_initial", "0001_squashed_0005_CreateTeamModel"},
    "0002": {"0002_auto_20151119_0913", "0002_team_submission_optional"},
    "0003": {"0003_submission_status", "0003_ensure_ascii"},
    "0004": {"0004_remove_django_extensions", "0004_externalgraderdetail"},
    "0005": {"0005_CreateTeamModel", "0005_submissionfile"},
}
# Operations that would break a database still driven by 4.x code, or lose data.
NON_ADDITIVE = (
    migrations.RemoveField,
    migrations.DeleteModel,
    migrations.RenameField,
    migrations.RenameModel,
    migrations.AlterModelTable,
    migrations.RemoveIndex,
    migrations.RemoveConstraint,
)


def our_app_labels():
    return sorted(config.label for config in apps.get_app_configs() if config.name.split(".")[0] == APP)


def disk_migrations():
    loader = MigrationLoader(None, ignore_no_migrations=True)
    return loader.disk_migrations


def migration_names(label):
    return sorted(name for app_label, name in disk_migrations() if app_label == label)


def _dependency_names(migration):
    names = set()
    for app_label, name in migration.dependencies:
        if app_label == "__setting__" or (app_label, name) == migrations.swappable_dependency(settings.AUTH_USER_MODEL):
            names.add("__user__")
        elif app_label == APP:
            names.add(name)
        else:
            names.add(f"{app_label}.{name}")
    return names


# -- static checks of the migration files ----------------------------------------------------------------------


@pytest.mark.django_db
def test_makemigrations_is_clean():
    out = StringIO()
    call_command("makemigrations", *our_app_labels(), check=True, dry_run=True, stdout=out, stderr=out)
    assert "No changes detected" in out.getvalue()


def test_makemigrations_is_clean_with_bigautofield_as_host_default(tmp_path):
    """A host's DEFAULT_AUTO_FIELD must not produce migrations for our tables (default_auto_field is pinned)."""
    (tmp_path / "bigauto_settings.py").write_text(
        "from test_settings import *  # noqa: F403\nDEFAULT_AUTO_FIELD = 'django.db.models.BigAutoField'\n"
    )
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="bigauto_settings",
        PYTHONPATH=os.pathsep.join([str(tmp_path), os.getcwd(), env.get("PYTHONPATH", "")]),
        # makemigrations checks the recorded history of every database: use a throwaway SQLite file.
        SUBMISSIONS_TEST_DB="sqlite",
        SUBMISSIONS_TEST_DB_NAME=str(tmp_path / "history"),
    )
    result = subprocess.run(
        [sys.executable, "-m", "django", "makemigrations", *our_app_labels(), "--check", "--dry-run"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "No changes detected" in result.stdout


def test_spec_migrations_exist_with_their_dependencies():
    found = disk_migrations()
    for name, expected in SPEC_MIGRATIONS.items():
        assert (APP, name) in found, f"missing migration {name}"
        assert _dependency_names(found[(APP, name)]) == expected, name


def test_squash_replaces_the_five_legacy_migrations():
    squash = disk_migrations()[(APP, "0001_squashed_0005_CreateTeamModel")]
    assert squash.replaces == [(APP, name) for name in REPLACED_BY_SQUASH]
    assert squash.initial is True


def test_no_duplicate_numbers_but_the_legacy_pairs():
    for label in our_app_labels():
        by_number = defaultdict(set)
        for name in migration_names(label):
            by_number[name.split("_", 1)[0]].add(name)
        duplicates = {number: names for number, names in by_number.items() if len(names) > 1}
        assert duplicates == (LEGACY_DUPLICATES if label == APP else {}), label


def test_one_leaf_per_app():
    loader = MigrationLoader(None, ignore_no_migrations=True)
    for label in our_app_labels():
        leaves = loader.graph.leaf_nodes(label)
        assert len(leaves) <= 1, f"{label} has several leaf migrations (needs a merge): {leaves}"


def test_migrations_after_0008_are_additive_and_nullable():
    """New schema after the 4.x lineage: nothing removed or renamed, every new column NULL-able."""
    for (label, name), migration in disk_migrations().items():
        if label != APP or name[:4] <= "0008":
            continue
        for operation in migration.operations:
            assert not isinstance(operation, NON_ADDITIVE), f"{name}: {operation.describe()}"
            if isinstance(operation, migrations.AddField) and not operation.field.many_to_many:
                assert operation.field.null, f"{name}: {operation.describe()} must be NULL-able"


# -- real migrate runs on the current database ------------------------------------------------------------------


def _migrate(targets, loader=None):
    executor = MigrationExecutor(connection)
    if loader is not None:
        executor.loader = loader
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor


def _leaves():
    return MigrationExecutor(connection).loader.graph.leaf_nodes()


def _applied(label=APP):
    """The names recorded in django_migrations (the raw records, not the loader's view of squashes)."""
    return {name for app_label, name in MigrationRecorder(connection).applied_migrations() if app_label == label}


def _tables():
    return set(connection.introspection.table_names())


def _our_tables():
    return {table for table in _tables() if table.startswith(f"{APP}_")}


@pytest.fixture
def restore_schema():
    """Whatever a test does to the schema, leave every app fully migrated."""
    yield
    _migrate(_leaves())


@pytest.mark.django_db(transaction=True)
def test_migrate_to_zero_and_forward_again(restore_schema):
    full_tables = _our_tables()
    assert {"submissions_submission", "submissions_externalgraderdetail"} <= full_tables

    _migrate([(APP, None)])
    assert _our_tables() == set()
    assert _applied() == set()

    _migrate(_leaves())
    assert _our_tables() == full_tables
    assert {*SPEC_MIGRATIONS} <= _applied()
    out = StringIO()
    call_command("makemigrations", *our_app_labels(), check=True, dry_run=True, stdout=out)


@pytest.mark.django_db(transaction=True)
def test_pre_squash_lineage_upgrades(restore_schema):
    """A database that applied 0001..0005 one by one (before the 4.x squash existed) migrates forward."""
    _migrate([(APP, None)])
    legacy_loader = MigrationLoader(connection, replace_migrations=False)
    _migrate([(APP, "0005_CreateTeamModel")], loader=legacy_loader)
    # A database of that era has records for the five, none for the squash (Django adds one after a migrate).
    MigrationRecorder(connection).record_unapplied(APP, "0001_squashed_0005_CreateTeamModel")
    assert set(REPLACED_BY_SQUASH) <= _applied()
    assert "0001_squashed_0005_CreateTeamModel" not in _applied()

    _migrate(_leaves())
    applied = _applied()
    assert "0001_squashed_0005_CreateTeamModel" in applied
    assert {*SPEC_MIGRATIONS} <= applied
    assert MigrationExecutor(connection).migration_plan(_leaves()) == []


# -- MariaDB: uuid columns created as char(32) by Django < 5 ------------------------------------------------------

MARIADB_UUID_TABLES = ["submissions_submission", "submissions_teamsubmission", "submissions_submissionfile"]


@pytest.fixture
def mariadb():
    if connection.vendor != "mysql" or not connection.mysql_is_mariadb:
        pytest.skip("the uuid column conversion only runs on MariaDB")


def _back_to_before_0006():
    """The 4.x state before 0006 (0005_submissionfile applied, 0006 not): unapply 0007+ then 0006 itself."""
    _migrate([(APP, "0005_submissionfile")])
    executor = MigrationExecutor(connection)
    name = "0006_mariadb_uuid_conversion"
    if (APP, name) in executor.loader.applied_migrations:
        state = executor.loader.project_state((APP, name), at_end=True)
        executor.unapply_migration(state, executor.loader.get_migration(APP, name))
    assert name not in _applied()


def _column_types():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT TABLE_NAME, DATA_TYPE FROM information_schema.COLUMNS "
            "WHERE TABLE_SCHEMA = DATABASE() AND COLUMN_NAME = 'uuid' AND TABLE_NAME IN (%s, %s, %s)",
            MARIADB_UUID_TABLES,
        )
        return {table: data_type.lower() for table, data_type in cursor.fetchall()}


def _uuid_values():
    values = {}
    with connection.cursor() as cursor:
        for table in MARIADB_UUID_TABLES:
            cursor.execute(f"SELECT id, uuid FROM {connection.ops.quote_name(table)} ORDER BY id")
            values[table] = [(row_id, str(value)) for row_id, value in cursor.fetchall()]
    return values


def _insert_legacy_rows(uuids):
    """Rows as Django 4.2 wrote them on MariaDB: 32 hex digits in char(32) columns."""
    now = "2024-05-01 10:00:00.000000"
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO submissions_studentitem (student_id, course_id, item_id, item_type) VALUES (%s, %s, %s, %s)",
            ["student-1", "course-v1:org+c+run", "item-1", "problem"],
        )
        student_item_id = cursor.lastrowid
        cursor.execute(
            "INSERT INTO submissions_teamsubmission (created, modified, uuid, attempt_number, submitted_at, "
            "course_id, item_id, team_id, submitted_by_id, status) VALUES (%s, %s, %s, 1, %s, %s, %s, %s, NULL, 'A')",
            [now, now, uuids["team"].hex, now, "course-v1:org+c+run", "item-1", "team-1"],
        )
        team_id = cursor.lastrowid
        cursor.execute(
            "INSERT INTO submissions_submission (uuid, student_item_id, attempt_number, submitted_at, created_at, "
            "raw_answer, status, team_submission_id) VALUES (%s, %s, 1, %s, %s, %s, 'A', %s)",
            [uuids["submission"].hex, student_item_id, now, now, '"answer"', team_id],
        )
        submission_id = cursor.lastrowid
        cursor.execute(
            "INSERT INTO submissions_externalgraderdetail (submission_id, queue_name, grader_file_name, "
            "points_possible, status, pullkey, grader_reply, status_time, created_at, num_failures) "
            "VALUES (%s, 'q', '', 1, 'pending', NULL, NULL, %s, %s, 0)",
            [submission_id, now, now],
        )
        grader_id = cursor.lastrowid
        cursor.execute(
            "INSERT INTO submissions_submissionfile (uuid, external_grader_id, file, original_filename, created_at) "
            "VALUES (%s, %s, %s, %s, %s)",
            [uuids["file"].hex, grader_id, f"q/{uuids['file']}", "a.py", now],
        )


@pytest.mark.django_db(transaction=True)
def test_mariadb_char32_uuid_columns_convert_and_reverse(mariadb, restore_schema):
    from submissions.migrations._mariadb_uuid import UUID_COLUMNS, to_native_uuid

    assert _column_types() == dict.fromkeys(MARIADB_UUID_TABLES, "uuid")  # what Django >= 5 creates

    # Back to the last 4.x state before 0006: the reverse code turns the columns into char(32) (as Django 4.2
    # created them) and the rows can be written as 4.2 wrote them.
    _back_to_before_0006()
    assert _column_types() == dict.fromkeys(MARIADB_UUID_TABLES, "char")
    uuids = {"submission": uuid.uuid4(), "team": uuid.uuid4(), "file": uuid.uuid4()}
    _insert_legacy_rows(uuids)
    legacy_values = _uuid_values()
    assert legacy_values["submissions_submission"][0][1] == uuids["submission"].hex

    # Forward: every column becomes uuid, every value survives.
    _migrate(_leaves())
    assert _column_types() == dict.fromkeys(MARIADB_UUID_TABLES, "uuid")
    converted = _uuid_values()
    for table, key in zip(MARIADB_UUID_TABLES, ["submission", "team", "file"], strict=True):
        assert converted[table] == [(legacy_values[table][0][0], str(uuids[key]))]
    from submissions.models import Submission, TeamSubmission

    submission = Submission.objects.get(uuid=uuids["submission"])
    assert submission.team_submission == TeamSubmission.objects.get(uuid=uuids["team"])

    # Idempotent: running the conversion again (a re-run, or after a half-applied 4.x 0006) changes nothing.
    with connection.schema_editor() as schema_editor:
        to_native_uuid(list(UUID_COLUMNS))(None, schema_editor)
    assert _uuid_values() == converted

    # Back again: the values return to 32 hex digits in char(32) columns.
    _back_to_before_0006()
    assert _column_types() == dict.fromkeys(MARIADB_UUID_TABLES, "char")
    assert _uuid_values() == legacy_values


@pytest.mark.django_db(transaction=True)
def test_mariadb_half_applied_4x_0006_is_completed(mariadb, restore_schema):
    """4.x's 0006 converted submissions_submission, then failed: ours finishes the other columns."""
    _back_to_before_0006()
    uuids = {"submission": uuid.uuid4(), "team": uuid.uuid4(), "file": uuid.uuid4()}
    _insert_legacy_rows(uuids)
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE submissions_submission MODIFY uuid uuid NOT NULL")
    assert _column_types() == {
        "submissions_submission": "uuid",
        "submissions_teamsubmission": "char",
        "submissions_submissionfile": "char",
    }
    _migrate(_leaves())
    assert _column_types() == dict.fromkeys(MARIADB_UUID_TABLES, "uuid")
    values = _uuid_values()
    assert [value for _, value in values["submissions_submission"]] == [str(uuids["submission"])]
    assert [value for _, value in values["submissions_teamsubmission"]] == [str(uuids["team"])]
    assert [value for _, value in values["submissions_submissionfile"]] == [str(uuids["file"])]


@pytest.mark.django_db(transaction=True)
def test_queue_name_compares_exactly_on_mysql_and_reverses(restore_schema):
    if connection.vendor != "mysql":
        pytest.skip("the collation only changes on MySQL and MariaDB")

    def collation():
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT COLLATION_NAME, IS_NULLABLE, CHARACTER_MAXIMUM_LENGTH FROM information_schema.COLUMNS"
                " WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'submissions_externalgraderdetail'"
                " AND COLUMN_NAME = 'queue_name'"
            )
            return cursor.fetchone()

    binary = "utf8mb4_nopad_bin" if connection.mysql_is_mariadb else "utf8mb4_0900_bin"
    assert collation() == (binary, "NO", 128)
    _migrate([(APP, "0010_external_grader_attempts_payload_outbox")])
    assert collation() == ("utf8mb4_unicode_ci", "NO", 128)  # the table's default (the test database's)
    _migrate(_leaves())
    assert collation() == (binary, "NO", 128)
