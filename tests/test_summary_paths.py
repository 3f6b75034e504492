"""
The ScoreSummary after a sequence of scores is the same whether the summary is updated by the score
services (student item already locked; one upsert statement on PostgreSQL) or by a Score created
directly (the generic read-then-write path), and follows ``ScoreSummary.replaces_highest``.
"""

import pytest

from submissions import api
from submissions.models import Score, ScoreSummary, StudentItem, Submission

pytestmark = pytest.mark.django_db

#: (points_earned, points_possible, reset) in order; None for a reset_score call.
SEQUENCES = [
    [(1, 4, False), (3, 4, False), (2, 4, False)],  # higher then lower
    [(2, 4, False), (1, 2, False)],  # equal ratio: the first stays highest
    [(0, 0, False), (1, 5, False)],  # hidden first: the visible one replaces it
    [(3, 5, False), (0, 0, False)],  # hidden later: latest only
    [(5, 5, False), None, (1, 5, False)],  # reset, then a lower one beats the hidden reset
    [(1, 3, False), (333333333, 999999999, False), (2, 3, False)],  # equal as floats, then higher
]


def _expected(scores):
    latest = highest = None
    for score in scores:
        latest = score
        if highest is None or ScoreSummary.replaces_highest(score, highest):
            highest = score
    return latest.pk, highest.pk


@pytest.mark.parametrize("sequence", SEQUENCES)
def test_service_path_matches_the_rule(sequence):
    item = {"student_id": "s1", "course_id": "c1", "item_id": "i1", "item_type": "problem"}
    submission = api.create_submission(item, "answer")
    for step in sequence:
        if step is None:
            api.reset_score("s1", "c1", "i1")
        else:
            api.set_score(submission["uuid"], step[0], step[1])
    scores = list(Score.objects.order_by("id"))
    summary = ScoreSummary.objects.get()
    assert (summary.latest_id, summary.highest_id) == _expected(scores)


@pytest.mark.parametrize("sequence", SEQUENCES)
def test_direct_scores_match_the_service_path(sequence):
    item = {"student_id": "s2", "course_id": "c1", "item_id": "i1", "item_type": "problem"}
    submission = api.create_submission(item, "answer")
    student_item = StudentItem.objects.get(student_id="s2")
    sub = Submission.objects.get(uuid=submission["uuid"])
    for step in sequence:
        if step is None:
            Score.create_reset_score(student_item)
        else:
            Score.objects.create(
                student_item=student_item, submission=sub, points_earned=step[0], points_possible=step[1]
            )
    summary = ScoreSummary.objects.get()
    assert (summary.latest_id, summary.highest_id) == _expected(list(Score.objects.order_by("id")))
