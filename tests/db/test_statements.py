"""
Every hand-written statement of ``submissions.db``, rendered on PostgreSQL and compared with its checked-in
copy under ``tests/db/sql/`` (so a reviewer reads the SQL as SQL, and any change to it shows in the diff).
``SUBMISSIONS_UPDATE_SQL=1`` rewrites the copies. Also: the hand-written hand-out and the ORM's leave the same row.
"""

import os
import pathlib

import pytest
import sqlparse
from django.contrib.auth import get_user_model
from django.db import connection
from django.utils.timezone import now
from django_fsm.signals import pre_transition

from submissions.db import auth as auth_sql
from submissions.db import grader as grader_sql
from submissions.db.depth import queue_depth
from submissions.external_grader import queue
from submissions.external_grader.models import ExternalGraderDetail
from submissions.external_grader.states import TABLE
from tests.external_grader.helpers import create, reply

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the hand-written statements serve PostgreSQL"),
]

SQL_DIR = pathlib.Path(__file__).parent / "sql"


class Sent:
    """The statement texts sent on the connection while active (parameters apart)."""

    def __init__(self):
        self.texts = []

    def __call__(self, execute, sql, params, many, context):
        # Savepoints (named at random) and the once-per-process sequence lookup are not the statements' own.
        if not sql.startswith(("SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO", "SELECT pg_get_serial_sequence")):
            self.texts.append(sql)
        return execute(sql, params, many, context)

    def __enter__(self):
        self._wrapper = connection.execute_wrapper(self)
        self._wrapper.__enter__()
        return self

    def __exit__(self, *exc):
        self._wrapper.__exit__(*exc)


def check(name, texts):
    rendered = "\n\n".join(sqlparse.format(text, reindent=True, keyword_case="upper").strip() + ";" for text in texts)
    path = SQL_DIR / f"{name}.sql"
    if os.environ.get("SUBMISSIONS_UPDATE_SQL"):
        path.write_text(rendered + "\n")
    assert path.read_text() == rendered + "\n", f"{path} differs: rerun with SUBMISSIONS_UPDATE_SQL=1 and review"


def test_hand_out_and_reply():
    create()
    with Sent() as pull:
        row = queue.pull("q1")
    check("hand_out", pull.texts)
    with Sent() as answer:
        queue.put_result(row.submission_id, row.pullkey, reply())
    check("put_result", answer.texts)


def test_general_path_and_counts():
    detail = create()
    with Sent() as sent:
        grader_sql.candidate_rows(connection.alias, "q1", now())
        grader_sql.lock_first_pullable(connection.alias, now(), [detail.pk])
        grader_sql.count_eligible(connection.alias, "q1", now(), known=True)
    check("general_path_and_counts", sent.texts)


def test_queue_depth():
    with Sent() as sent:
        queue_depth(connection.alias, now(), queue.DEPTH_STATES)
    check("queue_depth", sent.texts)


def test_outbox_marks():
    with Sent() as sent:
        grader_sql.renew_outbox_claim(connection.alias, 1, now(), now())
        grader_sql.mark_outbox_delivered(connection.alias, 1, "{}", now())
    check("outbox_marks", sent.texts)


def test_login_and_session_reads(grader_user):
    user_model = get_user_model()
    with Sent() as sent:
        auth_sql.user_with_group_flag(
            connection.alias, user_model, user_model._meta.get_field("groups"), "someone", "xqueue"
        )
        auth_sql.insert_session(connection.alias, "k" * 32, "data", now())
        auth_sql.read_session_data(connection.alias, "k" * 32, now())
        auth_sql.read_user(connection.alias, user_model, grader_user.pk)
    check("login_and_sessions", sent.texts)


@pytest.fixture
def grader_user(django_user_model):
    return django_user_model.objects.create_user(username="someone", password="x")


def _state(row):
    fields = [field.attname for field in ExternalGraderDetail._meta.concrete_fields]
    return {name: getattr(row, name) for name in fields}


def test_both_hand_out_paths_leave_the_same_row():
    """The fast path's SET clause comes from states.TABLE, as the model's method does: same columns, same values."""
    fast_row, orm_row = create(queue_name="fast"), create(queue_name="orm")
    before = now()
    fast = queue.pull("fast")

    def listener(**kwargs):  # a transition receiver makes pull take the ORM path (model method + move())
        pass

    pre_transition.connect(listener, sender=ExternalGraderDetail)
    try:
        orm = queue.pull("orm")
    finally:
        pre_transition.disconnect(listener, sender=ExternalGraderDetail)
    after = now()
    fast_state = _state(ExternalGraderDetail.objects.get(pk=fast_row.pk))
    orm_state = _state(ExternalGraderDetail.objects.get(pk=orm_row.pk))
    for state, pulled in ((fast_state, fast), (orm_state, orm)):
        assert state["pullkey"] == pulled.pullkey and len(state["pullkey"]) == 32
        assert before <= state["status_time"] <= after
    varying = {"id", "submission_id", "queue_name", "pullkey", "status_time", "created_at"}
    assert {k: v for k, v in fast_state.items() if k not in varying} == {
        k: v for k, v in orm_state.items() if k not in varying
    }
    written = set(TABLE["hand_out"].fields())
    assert {name for name in fast_state if fast_state[name] != _state(fast_row)[name]} <= written | {"status"}
