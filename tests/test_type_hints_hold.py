"""
The type hints of the public API hold at run time: every public function, called on a real database, returns a
value of the type its return annotation declares, TypedDict keys and dataclass fields included. mypy checks the
callers against the hints (``tests/typing``); this checks the hints against what the code returns.
"""

import ast
import collections.abc
import dataclasses
import functools
import inspect
import json
import sys
import types
import typing

import pytest
from django.db import transaction
from django.utils.timezone import now

from submissions import api, metrics, team_api
from submissions.db import grader as grader_sql
from submissions.db.depth import queue_depth
from submissions.external_grader import queue
from submissions.external_grader.queue._common import FailureCause
from tests.external_grader.helpers import student_item

pytestmark = pytest.mark.django_db


@functools.cache
def _checking_only_names(module_name):
    """The names a module imports under ``if TYPE_CHECKING:`` (its hints use them; the module does not have them)."""
    module = sys.modules[module_name]
    names = {}
    for node in ast.parse(inspect.getsource(module)).body:
        if isinstance(node, ast.If) and ast.unparse(node.test) in ("TYPE_CHECKING", "typing.TYPE_CHECKING"):
            exec(compile(ast.Module(body=node.body, type_ignores=[]), module.__file__, "exec"), names)
    return names


def return_hint(function):
    """``function``'s return annotation, evaluated as a type checker reads it."""
    annotation = function.__annotations__["return"]
    if not isinstance(annotation, str):
        return annotation
    return eval(annotation, vars(sys.modules[function.__module__]), _checking_only_names(function.__module__))


def mismatch(value, hint, path="result"):
    """Where ``value`` is not of type ``hint``, as a message; None when it is."""
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if hint is typing.Any or hint is object:
        return None
    if hint is None or hint is type(None):
        return None if value is None else f"{path}: {value!r} is not None"
    if origin in (typing.Union, types.UnionType):
        return None if any(mismatch(value, arg, path) is None for arg in args) else f"{path}: {value!r} is no {hint}"
    if origin is typing.NotRequired:
        return mismatch(value, args[0], path)
    if typing.is_typeddict(hint):
        if not isinstance(value, dict):
            return f"{path}: {value!r} is no dict"
        fields = typing.get_type_hints(hint, include_extras=True)
        required = {key for key, field in fields.items() if typing.get_origin(field) is not typing.NotRequired}
        if not required <= value.keys() <= fields.keys():
            return f"{path}: keys {sorted(value)} are not those of {hint.__name__} {sorted(fields)}"
        return next((m for key in value if (m := mismatch(value[key], fields[key], f"{path}[{key!r}]"))), None)
    if dataclasses.is_dataclass(hint):
        if not isinstance(value, hint):
            return f"{path}: {value!r} is no {hint.__name__}"
        fields = typing.get_type_hints(hint)
        found = (mismatch(getattr(value, f.name), fields[f.name], f"{path}.{f.name}") for f in dataclasses.fields(hint))
        return next((m for m in found if m), None)
    if origin in (list, dict, tuple):
        if not isinstance(value, origin):
            return f"{path}: {value!r} is no {origin.__name__}"
        if origin is list:
            pairs = [(item, args[0], f"{path}[{index}]") for index, item in enumerate(value)]
        elif origin is dict:
            pairs = [pair for key, item in value.items() for pair in ((key, args[0], path), (item, args[1], path))]
        else:
            shape = [args[0]] * len(value) if args[-1:] == (Ellipsis,) else list(args)
            if len(shape) != len(value):
                return f"{path}: {value!r} does not have {len(shape)} items"
            pairs = [(item, shape[index], f"{path}[{index}]") for index, item in enumerate(value)]
        return next((m for item, arg, where in pairs if (m := mismatch(item, arg, where))), None)
    if hint is float:
        return None if isinstance(value, int | float) and not isinstance(value, bool) else f"{path}: {value!r}"
    if hint is int and isinstance(value, bool):
        return f"{path}: {value!r} is a bool"
    return None if isinstance(value, hint) else f"{path}: {value!r} is no {hint}"


def returned(function, *args, **kwargs):
    """Call ``function``; assert its result is of its declared return type (an iterator is consumed) and return it."""
    hint = return_hint(function)
    value = function(*args, **kwargs)
    if typing.get_origin(hint) is collections.abc.Iterator:
        assert isinstance(value, collections.abc.Iterator), function.__name__
        value, hint = list(value), list[typing.get_args(hint)[0]]
    problem = mismatch(value, hint)
    assert problem is None, f"{function.__module__}.{function.__name__}: {problem}"
    return value


def test_the_checker_finds_what_differs():
    assert mismatch({"released": 1, "failed": 0}, queue.StaleRequeued) is None
    assert "keys" in mismatch({"released": 1}, queue.StaleRequeued)
    assert "'x'" in mismatch({"released": 1, "failed": "x"}, queue.StaleRequeued)
    assert mismatch(queue.StateDepth(1, 0, 0), queue.StateDepth) is None
    assert "rows" in mismatch(queue.StateDepth("1"), queue.StateDepth)
    assert mismatch([1, None], list[int | None]) is None and mismatch([True], list[int])
    assert mismatch((1, "a"), tuple[int, str]) is None and mismatch((1,), tuple[int, str])


def test_submissions_and_scores(user_factory):
    item = student_item()
    submission = returned(api.create_submission, item, {"code": "x"})
    returned(api.get_submission, submission["uuid"])
    returned(api.get_submission_and_student, submission["uuid"])
    returned(api.get_submissions, item)
    assert returned(api.get_score, item) is None
    returned(api.set_score, submission["uuid"], 3, 4, annotation_creator="staff", annotation_type="override")
    assert "annotations" in returned(api.get_score, item)
    returned(api.get_scores, item["course_id"], item["student_id"])
    returned(api.get_latest_score_for_submission, submission["uuid"])
    assert returned(api.get_all_submissions, item["course_id"], item["item_id"], item["item_type"])
    assert returned(api.get_all_course_submission_information, item["course_id"], item["item_type"])
    returned(api.get_top_submissions, item["course_id"], item["item_id"], item["item_type"], 3)
    returned(api.get_student_ids_by_submission_uuid, item["course_id"], [submission["uuid"]])
    returned(api.reset_score, item["student_id"], item["course_id"], item["item_id"])


def test_team_submissions(user_factory):
    user = user_factory()
    team = returned(team_api.create_submission_for_team, "course-v1:T+T+1", "item", "t1", user.pk, ["a", "b"], "x")
    returned(team_api.get_team_submission, team["team_submission_uuid"])
    returned(team_api.get_team_submission_from_individual_submission, team["submission_uuids"][0])
    returned(team_api.get_team_submission_for_team, "course-v1:T+T+1", "item", "t1")
    member = {"student_id": "a", "course_id": "course-v1:T+T+1", "item_id": "item", "item_type": "openassessment"}
    returned(team_api.get_team_submission_for_student, member)
    assert returned(api.get_submission, team["submission_uuids"][0])["team_submission_uuid"] is not None
    returned(team_api.get_all_team_submissions, "course-v1:T+T+1", "item")
    returned(team_api.get_team_submission_student_ids, team["team_submission_uuid"])
    returned(team_api.get_team_ids_by_team_submission_uuid, [team["team_submission_uuid"]])
    returned(team_api.get_teammates_with_submissions_from_other_teams, "course-v1:T+T+1", "item", "t2", ["a"])
    returned(team_api.set_score, team["team_submission_uuid"], 1, 2)
    returned(team_api.reset_scores, team["team_submission_uuid"])


def test_queue_services(user_factory):
    item = student_item()
    body = json.dumps({"correct": True, "score": 0.5, "msg": "half"})
    detail = returned(queue.create_external_grader_detail, item, "x", "typed", None, points_possible=2.0)
    returned(api.create_external_grader_detail, student_item(), "y", "typed", "key", files={"a.py": b"print(1)"})
    returned(queue.queue_length, "typed")
    returned(queue.is_known_queue, "typed")
    returned(queue.known_queues)
    pulled = returned(queue.take, "typed", grader=user_factory())
    returned(api.get_files_for_grader, returned(queue.pull, "typed"))
    assert returned(queue.queue_stats)["typed"]["states"]
    assert returned(queue.depth)["typed"]
    returned(queue.parse_reply, body.encode())
    returned(queue.scaled_points, 0.5, 3)
    returned(queue.put_result, detail.submission_id, pulled.row.pullkey, body)
    assert returned(queue.put_result, detail.submission_id, pulled.row.pullkey, body).duplicate
    returned(queue.regrade, str(detail.submission.uuid), only_if_higher=True)
    returned(queue.requeue_stale, older_than=0)
    returned(queue.fail, detail.pk)
    returned(queue.requeue_failed, ids=[detail.pk])
    returned(queue.retire, queue_name="typed", notice=False)
    returned(queue.cancel_unfinished, item)
    returned(queue.purge_finished, 0, dry_run=True)


def test_the_statements_the_queue_services_read():
    """The database layer's statements whose hints the queue services' check relies on (``db.grader``, ``db.depth``)."""
    detail = queue.create_external_grader_detail(student_item(), "x", "typed", "key")
    returned(queue_depth, "default", now(), queue.DEPTH_STATES)
    returned(grader_sql.count_eligible, "default", "typed", now(), known=True)
    if not returned(grader_sql.enabled, "default"):
        return  # the statements below are PostgreSQL's
    assert returned(grader_sql.candidate_rows, "default", "typed", now())
    with transaction.atomic():
        assert returned(grader_sql.lock_first_pullable, "default", now(), [detail.pk])
    returned(grader_sql.hand_out_is_plain)
    assert returned(grader_sql.hand_out, "default", "typed", now(), 0).handed
    with transaction.atomic():
        assert returned(grader_sql.lock_for_reply, "default", detail.submission_id)


def test_the_failure_causes_of_the_hints_are_the_metrics_labels():
    assert set(typing.get_args(FailureCause)) == set(metrics.FAILURE_CAUSES)
