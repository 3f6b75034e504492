"""
MariaDB only: re-check all three UUID columns (0006 could not reach ``submissions_submissionfile``,
and a database may come from a half-applied or faked edx-submissions 0006).
"""

from django.db import migrations

from submissions.migrations._mariadb_uuid import UUID_COLUMNS, to_char32, to_native_uuid

TABLES = list(UUID_COLUMNS)


class Migration(migrations.Migration):
    dependencies = [("submissions", "0008_externalgraderdetail_queue_key_and_more")]

    operations = [
        migrations.RunPython(to_native_uuid(TABLES), to_char32(["submissions_submissionfile"]), elidable=False),
    ]
