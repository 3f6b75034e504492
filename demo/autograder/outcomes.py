"""What each sample submission got, and whether that is what the demo expects."""

import json

from submissions.external_grader.models import ExternalGraderDetail

from .models import GradeRecord, SampleSubmission


def classify(points, possible, msg):
    """The kind of outcome a grade shows: pass, partial, compile_error, timeout or other."""
    if possible and points == possible:
        return "pass"
    if points and 0 < points < possible:
        return "partial"
    if "Compilation failed" in msg or "SyntaxError" in msg:
        return "compile_error"
    if "Time limit exceeded" in msg:
        return "timeout"
    return "other"


def rows():
    details = {d.submission_id: d for d in ExternalGraderDetail.objects.filter(queue_name="demo")}
    grades = {}
    for grade in GradeRecord.objects.order_by("received_at"):
        grades[grade.submission_id] = grade
    out = []
    for sample in SampleSubmission.objects.select_related("problem").order_by("submission_id"):
        detail = details.get(sample.submission_id)
        grade = grades.get(sample.submission_id)
        state = detail.status if detail else "missing"
        if grade:
            try:
                msg = json.loads(grade.score_msg).get("msg", "")
            except (ValueError, AttributeError):
                msg = ""
            got = classify(grade.points_earned, grade.points_possible, msg)
            points = f"{grade.points_earned}/{grade.points_possible}"
        else:
            got, points = None, "-"
        as_expected = got == sample.kind and state == "retired"
        out.append(
            {
                "submission_id": sample.submission_id,
                "learner": sample.learner,
                "problem": sample.problem.title,
                "language": sample.problem.language,
                "kind": sample.kind,
                "state": state,
                "points": points,
                "got": got or "-",
                "graded": grade is not None,
                "as_expected": as_expected,
                "check": "ok" if as_expected else ("waiting" if grade is None else f"got {got}"),
            }
        )
    return out
