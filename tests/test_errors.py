"""submissions.errors: the hierarchy of edx-submissions 4.x, and a working repr() for every class."""

import inspect
import pickle

import pytest

from submissions import api, errors, models, team_api


def all_error_classes():
    return [
        value
        for name, value in vars(errors).items()
        if inspect.isclass(value) and issubclass(value, Exception) and value.__module__ == errors.__name__
    ]


def instance_of(cls):
    """An instance built with the arguments the class needs."""
    parameters = inspect.signature(cls.__init__).parameters
    if "source" in parameters:
        return cls("pending", "retired")
    if "queue_name" in parameters:
        return cls("my-queue")
    if "field_errors" in parameters:
        return cls("bad input", field_errors={"field": ["wrong"]})
    return cls("something happened")


def test_every_public_name_is_an_error_class():
    assert sorted(errors.__all__) == sorted(cls.__name__ for cls in all_error_classes())


@pytest.mark.parametrize("cls", all_error_classes(), ids=lambda cls: cls.__name__)
def test_repr_and_str_work(cls):
    """4.x's SubmissionRequestError.__repr__ read a missing attribute and raised."""
    error = instance_of(cls)
    text = repr(error)
    assert text.startswith(f"{cls.__name__}(")
    assert str(error)
    required = [
        parameter
        for parameter in inspect.signature(cls.__init__).parameters.values()
        if parameter.name != "self" and parameter.default is inspect.Parameter.empty and parameter.kind.value < 2
    ]
    if not required:
        assert repr(cls()).startswith(f"{cls.__name__}(")


@pytest.mark.parametrize("cls", all_error_classes(), ids=lambda cls: cls.__name__)
def test_errors_have_a_status_and_a_code(cls):
    assert isinstance(cls.status_code, int) and 400 <= cls.status_code < 600
    assert isinstance(cls.default_code, str) and cls.default_code


def test_request_error_repr_and_field_errors():
    field_errors = {"answer": ["too long"]}
    error = errors.SubmissionRequestError(msg="Invalid", field_errors=field_errors)
    assert repr(error) == "SubmissionRequestError(msg='Invalid', field_errors={'answer': ['too long']})"
    field_errors["answer"].append("mutated")
    assert error.field_errors == {"answer": ["too long"]}  # deep copy
    assert error.args == ("Invalid", {"answer": ["too long"]})
    assert errors.SubmissionRequestError().field_errors == {}
    assert repr(errors.TeamSubmissionRequestError()) == "TeamSubmissionRequestError(msg='', field_errors={})"
    assert repr(errors.ScoreValueError("x", {"points_earned": ["bad"]})).startswith("ScoreValueError(msg='x'")


def test_hierarchy_of_the_spec():
    assert issubclass(errors.SubmissionError, Exception)
    for name in (
        "SubmissionInternalError",
        "SubmissionNotFoundError",
        "SubmissionRequestError",
        "ExternalGraderQueueEmptyError",
        "InvalidFileTypeError",
        "FileProcessingError",
    ):
        assert getattr(errors, name).__bases__ == (errors.SubmissionError,)
    assert errors.TeamSubmissionInternalError.__bases__ == (errors.SubmissionInternalError,)
    assert errors.TeamSubmissionNotFoundError.__bases__ == (errors.SubmissionNotFoundError,)
    assert errors.TeamSubmissionRequestError.__bases__ == (errors.SubmissionRequestError,)
    assert errors.DuplicateTeamSubmissionsError.__bases__ == (Exception,)


def test_classes_that_old_and_new_callers_both_catch():
    assert issubclass(errors.ScoreValueError, errors.SubmissionRequestError)
    assert issubclass(errors.ScoreValueError, errors.SubmissionInternalError)
    assert issubclass(errors.SubmissionStorageError, errors.SubmissionInternalError)
    assert issubclass(errors.SubmissionStorageError, errors.SubmissionNotFoundError)
    assert issubclass(errors.InvalidTransitionError, ValueError)


def test_every_added_class_subclasses_a_4x_class():
    originals = {
        errors.SubmissionError,
        errors.SubmissionInternalError,
        errors.SubmissionNotFoundError,
        errors.SubmissionRequestError,
        errors.TeamSubmissionInternalError,
        errors.TeamSubmissionNotFoundError,
        errors.TeamSubmissionRequestError,
        errors.ExternalGraderQueueEmptyError,
        errors.InvalidFileTypeError,
        errors.FileProcessingError,
        errors.DuplicateTeamSubmissionsError,
    }
    for cls in all_error_classes():
        assert cls in originals or issubclass(cls, errors.SubmissionError), cls


@pytest.mark.parametrize("cls", all_error_classes(), ids=lambda cls: cls.__name__)
def test_errors_pickle(cls):
    """Errors cross process boundaries (task results), so they must survive pickling."""
    error = instance_of(cls)
    copy = pickle.loads(pickle.dumps(error))
    assert type(copy) is cls
    assert repr(copy) == repr(error)


def test_reexports():
    for name in (
        "SubmissionError",
        "SubmissionInternalError",
        "SubmissionNotFoundError",
        "SubmissionRequestError",
        "ExternalGraderQueueEmptyError",
    ):
        assert getattr(api, name) is getattr(errors, name)
        assert name in api.__all__
    assert models.DuplicateTeamSubmissionsError is errors.DuplicateTeamSubmissionsError
    assert team_api.DuplicateTeamSubmissionsError is errors.DuplicateTeamSubmissionsError
