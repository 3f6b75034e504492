"""
A shared row lock, which the ORM does not offer (``select_for_update`` is exclusive).

Many students submit to one assignment at once, and the teacher closes it (or archives its class): the
submissions must not wait for each other, but each must wait for a close under way — and a close for the
submissions under way — so that no submission is accepted on a state that a committed close already changed.
Readers take the assignment's and the class's rows *shared* (``FOR SHARE`` on PostgreSQL, ``LOCK IN SHARE
MODE`` on MariaDB/MySQL); the close and the archive take them exclusively (``select_for_update``). The row is
read by the locking statement itself, so it is the latest committed version even under MariaDB's repeatable
read, whose plain reads would show the transaction's older snapshot.

SQLite has no row locks: the site runs its transactions ``IMMEDIATE`` (``autograder/settings.py``), so each one
holds the database's write lock from its start and they are serialised already.
"""

from django.db import connections, router
from django.db.transaction import TransactionManagementError

__all__ = ["get_for_share"]

_SHARED = {"postgresql": " FOR SHARE", "mysql": " LOCK IN SHARE MODE"}


def get_for_share(model, pk):
    """``model``'s row ``pk``, read under a shared lock kept until the transaction ends (``DoesNotExist``)."""
    connection = connections[router.db_for_write(model)]
    if not connection.in_atomic_block:
        raise TransactionManagementError("get_for_share() needs a transaction: the lock ends with it")
    quote = connection.ops.quote_name
    table, key = quote(model._meta.db_table), quote(model._meta.pk.column)
    sql = f"SELECT * FROM {table} WHERE {key} = %s{_SHARED.get(connection.vendor, '')}"
    rows = list(model._default_manager.using(connection.alias).raw(sql, [pk]))
    if not rows:
        raise model.DoesNotExist(f"{model._meta.object_name} {pk} does not exist")
    return rows[0]
