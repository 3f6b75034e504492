"""The public surface of submissions.api / team_api matches edx-submissions 4.x; the queue services are typed."""

import importlib
import inspect
import pathlib

import pytest

import submissions
from submissions import api, team_api
from submissions.errors import SubmissionInternalError
from submissions.external_grader import queue

EMPTY = inspect.Parameter.empty

API_SIGNATURES = {
    "create_submission": "(student_item_dict, answer, submitted_at=None, attempt_number=None, team_submission=None)",
    "get_submission": "(submission_uuid, read_replica=False)",
    "get_submission_and_student": "(uuid, read_replica=False)",
    "get_submissions": "(student_item_dict, limit=None)",
    "get_all_submissions": "(course_id, item_id, item_type, read_replica=True)",
    "get_all_course_submission_information": "(course_id, item_type, read_replica=True)",
    "get_top_submissions": ("(course_id, item_id, item_type, number_of_top_scores, use_cache=True, read_replica=True)"),
    "get_student_ids_by_submission_uuid": "(course_id, submission_uuids, read_replica=True)",
    "get_score": "(student_item)",
    "get_scores": "(course_id, student_id)",
    "get_latest_score_for_submission": "(submission_uuid, read_replica=False)",
    "reset_score": "(student_id, course_id, item_id, clear_state=False, emit_signal=True)",
    "set_score": (
        "(submission_uuid, points_earned, points_possible, annotation_creator=None, annotation_type=None, "
        "annotation_reason=None)"
    ),
    "create_external_grader_detail": (
        "(student_item_dict, answer, queue_name, queue_key, grader_file_name='', points_possible=1, "
        "**external_grader_additional_data)"
    ),
    "get_files_for_grader": "(external_grader)",
    "_get_or_create_student_item": "(student_item_dict)",
    "_use_read_replica": "(queryset)",
    "_log_submission": "(submission, student_item)",
    "_log_score": "(score)",
    "_get_submission_model": "(uuid, read_replica=False)",
}

TEAM_SIGNATURES = {
    "create_submission_for_team": (
        "(course_id, item_id, team_id, submitting_user_id, team_member_ids, answer, submitted_at=None, "
        "attempt_number=1, item_type='openassessment')"
    ),
    "get_teammates_with_submissions_from_other_teams": "(course_id, item_id, team_id, team_member_ids)",
    "get_team_submission": "(team_submission_uuid)",
    "get_team_submission_from_individual_submission": "(individual_submission_uuid)",
    "get_team_submission_for_team": "(course_id, item_id, team_id)",
    "get_team_submission_for_student": "(student_item_dict)",
    "get_all_team_submissions": "(course_id, item_id)",
    "get_team_submission_student_ids": "(team_submission_uuid)",
    "get_team_ids_by_team_submission_uuid": "(team_submission_uuids)",
    "set_score": (
        "(team_submission_uuid, points_earned, points_possible, annotation_creator=None, annotation_type=None, "
        "annotation_reason=None)"
    ),
    "reset_scores": "(team_submission_uuid, clear_state=False)",
}


def bare_signature(function):
    """The signature without its type hints: names, kinds and defaults are the 4.x contract; hints are ours."""
    signature = inspect.signature(function)
    parameters = [parameter.replace(annotation=EMPTY) for parameter in signature.parameters.values()]
    return str(signature.replace(parameters=parameters, return_annotation=EMPTY))


@pytest.mark.parametrize(("name", "signature"), API_SIGNATURES.items())
def test_api_signatures(name, signature):
    assert bare_signature(getattr(api, name)) == signature


@pytest.mark.parametrize(("name", "signature"), TEAM_SIGNATURES.items())
def test_team_api_signatures(name, signature):
    assert bare_signature(getattr(team_api, name)) == signature


@pytest.mark.parametrize("module", [api, team_api, queue], ids=lambda module: module.__name__)
def test_every_public_function_is_annotated(module):
    """Issue 15: the public API has type hints (checked by mypy in the quality env)."""
    functions = [getattr(module, name) for name in module.__all__ if inspect.isfunction(getattr(module, name))]
    assert functions
    for function in functions:
        signature = inspect.signature(function)
        assert signature.return_annotation is not EMPTY, function.__name__
        assert all(parameter.annotation is not EMPTY for parameter in signature.parameters.values()), function


@pytest.mark.parametrize("name", ["create", "operations", "pull", "results"])
def test_the_queue_package_exports_every_public_name_of_its_modules(name):
    """So that the test above sees every public queue service (``queue.pull`` is the function, not the module)."""
    module = importlib.import_module(f"submissions.external_grader.queue.{name}")
    assert set(module.__all__) <= set(queue.__all__)
    for name in queue.__all__:
        assert hasattr(queue, name)


def test_all_lists_exactly_the_public_names():
    public = {name for name in API_SIGNATURES if not name.startswith("_")}
    assert public <= set(api.__all__)
    for name in api.__all__:
        assert hasattr(api, name)
    assert set(TEAM_SIGNATURES) <= set(team_api.__all__)
    for name in team_api.__all__:
        assert hasattr(team_api, name)
    assert (api.MAX_TOP_SUBMISSIONS, api.TOP_SUBMISSIONS_CACHE_TIMEOUT) == (100, 300)


def test_version():
    assert isinstance(submissions.__version__, str) and submissions.__version__


@pytest.mark.django_db
def test_patching_the_private_helpers_takes_effect(monkeypatch, student_item):
    """4.x's own tests (and some callers) patch these names on the module."""
    logged = []
    monkeypatch.setattr(api, "_log_submission", lambda submission, item: logged.append(("submission", item)))
    monkeypatch.setattr(api, "_log_score", lambda score: logged.append(("score", score.points_earned)))
    data = api.create_submission(student_item, "x")
    api.set_score(data["uuid"], 1, 2)
    assert logged == [("submission", student_item), ("score", 1)]

    def broken(uuid, read_replica=False):
        raise RuntimeError("Kaboom!")

    monkeypatch.setattr(api, "_get_submission_model", broken)
    with pytest.raises(SubmissionInternalError):
        api.get_submission(data["uuid"])


@pytest.mark.django_db
def test_patching_get_or_create_student_item_takes_effect(monkeypatch, student_item):
    def refuse(student_item_dict):
        raise SubmissionInternalError("no items today")

    monkeypatch.setattr(api, "_get_or_create_student_item", refuse)
    with pytest.raises(SubmissionInternalError, match="no items today"):
        api.create_submission(student_item, "x")


def test_core_modules_never_touch_the_warning_filters():
    """4.x called warnings.filterwarnings('error') then ('default') in get_submission."""
    root = pathlib.Path(submissions.__file__).parent
    sources = [root / "api.py", root / "team_api.py", root / "serializers.py"]
    sources += sorted((root / "services").glob("*.py"))
    for path in sources:
        text = path.read_text()
        for forbidden in ("filterwarnings(", "simplefilter(", "resetwarnings(", "import warnings"):
            assert forbidden not in text, f"{path.name} uses {forbidden}"
