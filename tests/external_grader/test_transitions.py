"""Every transition of ExternalGraderDetail, and every illegal one."""

import pytest

from submissions.errors import InvalidTransitionError
from submissions.external_grader.models import ExternalGraderDetail
from submissions.external_grader.states import TRANSITIONS, VALID_TRANSITIONS, Status
from tests.external_grader.helpers import create

pytestmark = pytest.mark.django_db

ALL_MOVES = [(name, source) for name in TRANSITIONS for source in Status]


def row_in(status):
    detail = create()
    ExternalGraderDetail.objects.filter(pk=detail.pk).update(
        status=status, pullkey="old", num_failures=2, num_attempts=3
    )
    return ExternalGraderDetail.objects.get(pk=detail.pk)


@pytest.mark.parametrize(("name", "source"), ALL_MOVES)
def test_transition_table(name, source):
    row = row_in(source)
    sources, target = TRANSITIONS[name]
    before = row.status_time
    if source in sources:
        getattr(row, name)()
        assert row.status == target and row.status_time >= before
        row.save()
        assert ExternalGraderDetail.objects.get(pk=row.pk).status == target
    else:
        with pytest.raises(InvalidTransitionError) as excinfo:
            getattr(row, name)()
        assert isinstance(excinfo.value, ValueError)
        assert (excinfo.value.source, excinfo.value.target) == (source, target)
        assert row.status == source


def test_transition_effects():
    row = row_in(Status.PENDING)
    row.hand_out()
    assert row.pullkey != "old" and len(row.pullkey) == 32 and row.num_attempts == 4
    key = row.pullkey
    row.hand_out()  # stale re-serve: new key
    assert row.pullkey != key and row.num_attempts == 5
    row.defer()
    assert row.num_failures == 3
    row.fail()
    assert row.num_failures == 4
    row.requeue()
    assert (row.status, row.num_failures, row.num_attempts, row.pullkey) == (Status.PENDING, 0, 0, None)
    row.hand_out()
    row.release()
    assert (row.status, row.pullkey) == (Status.PENDING, None)
    row.retire()
    row.grader_reply = "{}"
    row.regrade(only_if_higher=True)
    assert (row.status, row.grader_reply, row.only_if_higher, row.num_attempts) == (Status.PENDING, None, True, 0)


def test_status_is_protected():
    row = row_in(Status.PENDING)
    with pytest.raises(AttributeError):
        row.status = Status.RETIRED


def test_legacy_interface():
    row = row_in(Status.PENDING)
    assert row.can_transition_to(Status.PULLED) and not row.can_transition_to(Status.RETRY)
    assert Status.PULLED in VALID_TRANSITIONS[Status.PENDING]
    row.update_status(Status.PULLED)
    assert row.status == Status.PULLED
    with pytest.raises(ValueError):
        row.update_status("nonsense")
