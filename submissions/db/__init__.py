"""
Database-specific code: the one home of hand-written SQL and of ``connection.vendor`` branches (ADR 0021).

* :mod:`~submissions.db.rows`: column metadata (:class:`~submissions.db.rows.ModelColumns`), rows written by
  statements built once, and writes batched with the next statement;
* :mod:`~submissions.db.execution`: statements prepared on the server, commits that need not wait for the
  disk;
* :mod:`~submissions.db.errors`: the one classifier of database errors (lock refusals, deadlocks);
* :mod:`~submissions.db.grader`: every statement of the grader hot path (hand-out, reply lock, counts,
  summary upsert, outbox marks), behind a narrow interface;
* :mod:`~submissions.db.auth`: the statements of grader logins and session reads;
* :mod:`~submissions.db.locks`: named locks.

Services call these functions and never build SQL. Each operation has one branch into its fast path
(``grader.enabled(alias)`` and the like); the ORM path next to it stays the readable reference, which SQLite
(and, for most statements, MariaDB) runs. ``tests/db/test_statements.py`` renders each statement and compares it
with the checked-in copy under ``tests/db/sql/``. The fast paths kept, their fallbacks and measured gains are
listed in ``docs/internals/hot_paths.rst``.
"""
