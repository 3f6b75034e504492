"""
The statements of grader logins and of the session reads of grader requests (ADR 0017, ADR 0021).

Built once per database and user model from the models' metadata; rows become instances through
:class:`~submissions.db.rows.ModelColumns`. The callers (``external_grader.authentication``,
``external_grader.sessions``, ``external_grader.login``) decide when these apply (Django's stock parts) and
keep Django's own path as the reference for everything else.
"""

import functools

from django.db import connections

from submissions.db.execution import execute_prepared, relaxed_commit
from submissions.db.rows import ModelColumns

__all__ = ["read_session_data", "read_user", "user_with_group_flag", "insert_session", "INSERT_SESSION_VENDORS"]

#: Backends whose ``INSERT ... ON CONFLICT DO NOTHING`` :func:`insert_session` uses.
INSERT_SESSION_VENDORS = ("postgresql", "sqlite")


def _session_model():
    from django.contrib.sessions.models import Session  # a host without django.contrib.sessions imports this module

    return Session


@functools.cache
def _session_select(alias):
    qn = connections[alias].ops.quote_name
    meta = _session_model()._meta
    data, key, expiry = (qn(meta.get_field(name).column) for name in ("session_data", "session_key", "expire_date"))
    return f"SELECT {data} FROM {qn(meta.db_table)} WHERE {key} = %s AND {expiry} > %s"


def read_session_data(alias, session_key, moment):
    """The encoded data of the session ``session_key`` unexpired at ``moment``, or None (prepared on the server)."""
    connection = connections[alias]
    with connection.cursor() as cursor:
        params = [session_key, connection.ops.adapt_datetimefield_value(moment)]
        execute_prepared(cursor, alias, _session_select(alias), params)
        found = cursor.fetchone()
    return None if found is None else found[0]


class _UserSelect:
    def __init__(self, alias, user_model):
        self.columns = ModelColumns(user_model, connections[alias])
        qn = connections[alias].ops.quote_name
        table, pk = qn(user_model._meta.db_table), qn(user_model._meta.pk.column)
        self.sql = f"SELECT {self.columns.sql} FROM {table} WHERE {table}.{pk} = %s"


@functools.cache
def _user_select(alias, user_model):
    return _UserSelect(alias, user_model)


def read_user(alias, user_model, user_id):
    """The user of primary key ``user_id``, or None (prepared on the server)."""
    connection = connections[alias]
    select = _user_select(alias, user_model)
    with connection.cursor() as cursor:
        execute_prepared(cursor, alias, select.sql, [user_model._meta.pk.get_db_prep_value(user_id, connection)])
        row = cursor.fetchone()
    return None if row is None else select.columns.build(row, connection)


class _LoginSelect:
    """``SELECT`` of a user by its username, with its membership of a group by name (one database)."""

    def __init__(self, alias, user_model, groups):
        connection = connections[alias]
        qn = connection.ops.quote_name
        meta = user_model._meta
        self.columns = ModelColumns(user_model, connection)
        user_table = qn(meta.db_table)
        user_pk = f"{user_table}.{qn(meta.pk.column)}"
        username = f"{user_table}.{qn(meta.get_field(user_model.USERNAME_FIELD).column)}"
        group_meta = groups.remote_field.model._meta
        group_table, through = qn(group_meta.db_table), qn(groups.remote_field.through._meta.db_table)
        member = (
            f"SELECT 1 FROM {through} INNER JOIN {group_table}"
            f" ON {group_table}.{qn(group_meta.pk.column)} = {through}.{qn(groups.m2m_reverse_name())}"
            f" WHERE {through}.{qn(groups.m2m_column_name())} = {user_pk}"
            f" AND {group_table}.{qn(group_meta.get_field('name').column)} = %s"
        )
        self.sql = f"SELECT {self.columns.sql}, EXISTS ({member}) FROM {user_table} WHERE {username} = %s"


@functools.cache
def _login_select(alias, user_model, groups):
    return _LoginSelect(alias, user_model, groups)


def user_with_group_flag(alias, user_model, groups, username, group_name):
    """
    ``(user, member)``: the user of ``username`` (a unique field) and whether it belongs to the group named
    ``group_name`` through the many-to-many field ``groups``, in one statement; None for no such user.
    """
    connection = connections[alias]
    select = _login_select(alias, user_model, groups)
    with connection.cursor() as cursor:
        cursor.execute(select.sql, [group_name, username])
        row = cursor.fetchone()
    if row is None:
        return None
    return select.columns.build(row[:-1], connection), bool(row[-1])


@functools.cache
def _insert_session_sql(alias):
    qn = connections[alias].ops.quote_name
    meta = _session_model()._meta
    key, data, expiry = (qn(meta.get_field(name).column) for name in ("session_key", "session_data", "expire_date"))
    return (
        f"INSERT INTO {qn(meta.db_table)} ({key}, {data}, {expiry}) VALUES (%s, %s, %s) ON CONFLICT ({key}) DO NOTHING"
    )


def insert_session(alias, session_key, session_data, expire_date):
    """
    Insert a session row in one statement (a backend of :data:`INSERT_SESSION_VENDORS`); False, and nothing
    written, when ``session_key`` is taken. On PostgreSQL the commit does not wait for the disk (ADR 0018).
    """
    connection = connections[alias]
    with connection.cursor() as cursor:
        expiry = connection.ops.adapt_datetimefield_value(expire_date)
        cursor.execute(relaxed_commit(alias, _insert_session_sql(alias)), [session_key, session_data, expiry])
        return cursor.rowcount == 1
