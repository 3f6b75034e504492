"""
Queue names compare exactly on MySQL and MariaDB, as on PostgreSQL and SQLite.

Under the case- and accent-insensitive collations that MySQL databases (Open edX's among them) default
to, ``queue_name = 'Q'`` also matched the rows of queue ``q``: a grader pulling from a queue that differs
only in case was handed another queue's submissions, and trailing spaces did not count either. The
column gets the binary collation of its own character set that also compares trailing spaces (MariaDB's
``_nopad_bin``, MySQL 8's ``utf8mb4_0900_bin``; elsewhere ``_bin``, where trailing spaces still do not
count). Other backends are untouched; the column stays as the model describes it (``db_collation``
cannot name a collation per backend), so a later ``AlterField`` of ``queue_name`` must keep this collation.
Reversing restores the table's default collation.
"""

from django.db import migrations

TABLE, COLUMN = "submissions_externalgraderdetail", "queue_name"


def _column(cursor):
    cursor.execute(
        "SELECT CHARACTER_SET_NAME, COLLATION_NAME, CHARACTER_MAXIMUM_LENGTH, IS_NULLABLE"
        " FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = %s AND COLUMN_NAME = %s",
        [TABLE, COLUMN],
    )
    return cursor.fetchone()


def _table_collation(cursor):
    cursor.execute(
        "SELECT TABLE_COLLATION FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = %s",
        [TABLE],
    )
    return cursor.fetchone()[0]


def _set_collation(schema_editor, collation_for):
    connection = schema_editor.connection
    if connection.vendor != "mysql":
        return
    with connection.cursor() as cursor:
        found = _column(cursor)
        if found is None:
            return
        charset, current, length, nullable = found
        wanted = collation_for(cursor, charset)
        if current == wanted:
            return
        null = "NULL" if nullable == "YES" else "NOT NULL"
        cursor.execute(
            f"ALTER TABLE {schema_editor.quote_name(TABLE)} MODIFY {schema_editor.quote_name(COLUMN)}"
            f" varchar({int(length)}) CHARACTER SET {charset} COLLATE {wanted} {null}"
        )


def _binary_collation(connection, charset):
    if connection.mysql_is_mariadb and connection.mysql_version >= (10, 2):
        return f"{charset}_nopad_bin"
    if not connection.mysql_is_mariadb and connection.mysql_version >= (8, 0, 17) and charset == "utf8mb4":
        return "utf8mb4_0900_bin"
    return f"{charset}_bin"


def exact(apps, schema_editor):
    _set_collation(schema_editor, lambda cursor, charset: _binary_collation(schema_editor.connection, charset))


def table_default(apps, schema_editor):
    _set_collation(schema_editor, lambda cursor, charset: _table_collation(cursor))


class Migration(migrations.Migration):
    dependencies = [("submissions", "0010_external_grader_attempts_payload_outbox")]

    operations = [migrations.RunPython(exact, table_default, elidable=False)]
