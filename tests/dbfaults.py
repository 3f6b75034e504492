"""
Real database failures for tests, injected at the database boundary with Django's
``connection.execute_wrapper`` (no mock of the library's own code).
"""

from django.db import DatabaseError

__all__ = ["fail_on"]


def fail_on(prefix, error=DatabaseError):
    """An execute wrapper that fails every statement starting with ``prefix`` (quotes ignored)."""

    def wrapper(execute, sql, params, many, context):
        if sql.replace('"', "").replace("`", "").lstrip().upper().startswith(prefix.upper()):
            raise error(f"injected failure of {prefix}")
        return execute(sql, params, many, context)

    return wrapper
