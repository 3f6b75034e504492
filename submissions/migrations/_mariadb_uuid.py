"""
Conversion of UUID columns on MariaDB (used by migrations 0006 and 0009).

Django ≥ 5.0 maps ``UUIDField`` to MariaDB's native ``uuid`` type (MariaDB ≥ 10.7), while databases
created under older Django versions hold ``char(32)``. Every step reads the column's current type
first, so it is idempotent and safe after a half-applied or faked edx-submissions 4.x run; a table
that does not exist yet is skipped. Other backends are untouched.
"""

UUID_COLUMNS = {
    "submissions_submission": "uuid",
    "submissions_teamsubmission": "uuid",
    "submissions_submissionfile": "uuid",
}


def _applies(connection):
    return connection.vendor == "mysql" and connection.mysql_is_mariadb and connection.mysql_version >= (10, 7)


def _column_type(cursor, table, column):
    cursor.execute(
        "SELECT DATA_TYPE FROM information_schema.COLUMNS "
        "WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = %s AND COLUMN_NAME = %s",
        [table, column],
    )
    row = cursor.fetchone()
    return row[0].lower() if row else None


def to_native_uuid(tables):
    """A RunPython function converting ``tables``' uuid columns from char(32) to uuid."""

    def forwards(apps, schema_editor):
        connection = schema_editor.connection
        if not _applies(connection):
            return
        quote = schema_editor.quote_name
        with connection.cursor() as cursor:
            for table in tables:
                column = UUID_COLUMNS[table]
                if _column_type(cursor, table, column) == "char":
                    cursor.execute(f"ALTER TABLE {quote(table)} MODIFY {quote(column)} uuid NOT NULL")

    return forwards


def to_char32(tables):
    """The reverse: uuid columns back to char(32) hex, as Django < 5 on MariaDB stored them."""

    def backwards(apps, schema_editor):
        connection = schema_editor.connection
        if not _applies(connection):
            return
        quote = schema_editor.quote_name
        with connection.cursor() as cursor:
            for table in tables:
                column = UUID_COLUMNS[table]
                if _column_type(cursor, table, column) != "uuid":
                    continue
                cursor.execute(f"ALTER TABLE {quote(table)} MODIFY {quote(column)} char(36) NOT NULL")
                cursor.execute(f"UPDATE {quote(table)} SET {quote(column)} = REPLACE({quote(column)}, '-', '')")
                cursor.execute(f"ALTER TABLE {quote(table)} MODIFY {quote(column)} char(32) NOT NULL")

    return backwards
