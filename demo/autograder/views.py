"""The demo's one page: the sample submissions and their grades."""

import json

from django.shortcuts import get_object_or_404, render

from .models import GradeRecord, SampleSubmission
from .outcomes import rows


def results(request):
    return render(request, "autograder/results.html", {"rows": rows()})


def feedback(request, submission_id):
    """The grader's message for one sample, as a learner would see it."""
    sample = get_object_or_404(SampleSubmission.objects.select_related("problem"), submission_id=submission_id)
    grade = GradeRecord.objects.filter(submission_id=submission_id).order_by("-received_at").first()
    reply = {}
    if grade:
        try:
            reply = json.loads(grade.score_msg)
        except ValueError:
            reply = {"msg": ""}
    # The reference grader escapes every learner-controlled value in its HTML; a host showing messages from
    # graders it does not control should sanitise them first.
    return render(request, "autograder/feedback.html", {"sample": sample, "grade": grade, "reply": reply})
