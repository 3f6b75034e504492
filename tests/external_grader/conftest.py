"""Fixtures of the queue tests."""

import pytest

from submissions import signals
from tests.external_grader.helpers import Recorder


@pytest.fixture
def score_receiver():
    """Records ``external_grader_score_submitted`` (our Django signal)."""
    recorder = Recorder()
    signals.external_grader_score_submitted.connect(recorder, dispatch_uid="test-score-receiver")
    yield recorder
    signals.external_grader_score_submitted.disconnect(dispatch_uid="test-score-receiver")


@pytest.fixture
def failed_receiver():
    recorder = Recorder()
    signals.external_grader_failed.connect(recorder, dispatch_uid="test-failed-receiver")
    yield recorder
    signals.external_grader_failed.disconnect(dispatch_uid="test-failed-receiver")
