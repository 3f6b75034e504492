"""
MariaDB only: convert the UUID columns of submissions and team submissions to the native ``uuid``
type that Django ≥ 5 expects. (edx-submissions 4.x altered tables without a uuid column here and
failed half-way; ours checks each column first.) ``submissions_submissionfile`` may not exist yet
when this runs; 0009 converts it.
"""

from django.db import migrations

from submissions.migrations._mariadb_uuid import to_char32, to_native_uuid

TABLES = ["submissions_submission", "submissions_teamsubmission"]


class Migration(migrations.Migration):
    dependencies = [("submissions", "0005_CreateTeamModel")]

    operations = [
        migrations.RunPython(to_native_uuid(TABLES), to_char32(TABLES), elidable=False),
    ]
