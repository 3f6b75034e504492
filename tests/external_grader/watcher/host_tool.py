"""
Run by ``fleet.py`` with the host's settings (``host_settings``), in a subprocess; prints one JSON object::

    python -m tests.external_grader.watcher.host_tool setup ACCOUNT USERNAME QUEUE COUNT
    python -m tests.external_grader.watcher.host_tool verify QUEUE

``setup`` migrates, makes the grader account ``USERNAME`` the ordinary way (``ACCOUNT=default``: ``set_password``
with the host's default hasher, then the grader group, as an operator would in the admin) or with ``manage.py
create_grader`` (``ACCOUNT=create_grader``), and queues ``COUNT`` submissions whose answers are ``"item N"``.
``verify`` reports what was recorded for each of them.
"""

import io
import json
import sys
from collections import Counter

import django

django.setup()

from django.contrib.auth.models import Group, User  # noqa: E402
from django.core.management import call_command  # noqa: E402

from submissions.conf import app_settings  # noqa: E402
from submissions.external_grader.hashers import make_grader_secret  # noqa: E402
from submissions.external_grader.models import ExternalGraderDetail, ScoreEventDelivery  # noqa: E402
from submissions.external_grader.queue import create_external_grader_detail  # noqa: E402
from submissions.models import Score  # noqa: E402


def setup(account, username, queue, count):
    call_command("migrate", verbosity=0)
    if account == "create_grader":
        out = io.StringIO()
        call_command("create_grader", username, stdout=out, stderr=io.StringIO())
        secret = out.getvalue().strip()
    else:
        secret = make_grader_secret()
        user = User.objects.create_user(username, password=secret)
        user.groups.add(Group.objects.get_or_create(name=app_settings.GRADER_GROUP)[0])
    for n in range(count):
        item = {"student_id": f"s{n}", "course_id": "course-v1:o+c+r", "item_id": f"i{n}", "item_type": "problem"}
        create_external_grader_detail(item, f"item {n}", queue, f"lms-{n}", "grade.py", 4)
    return {"secret": secret, "password_hash": User.objects.get(username=username).password.split("$")[0]}


def verify(queue):
    details = list(ExternalGraderDetail.objects.filter(queue_name=queue).select_related("submission"))
    scores = Counter(Score.objects.filter(submission__in=[d.submission for d in details]).values_list("submission"))
    events = Counter(ScoreEventDelivery.objects.filter(kind="score").values_list("external_grader_id", flat=True))
    wrong_points = [
        d.submission_id
        for d in details
        for score in Score.objects.filter(submission=d.submission)
        if score.points_earned != int(d.submission.answer.split()[-1]) % 5 or score.points_possible != 4
    ]
    return {
        "count": len(details),
        "statuses": dict(Counter(str(d.status) for d in details)),
        "scores_per_submission": dict(Counter(scores.get((d.submission_id,), 0) for d in details)),
        "events_per_submission": dict(Counter(events.get(d.pk, 0) for d in details)),
        "wrong_points": wrong_points,
        "attempts": {str(d.submission_id): d.num_attempts for d in details},
    }


if __name__ == "__main__":
    command, args = sys.argv[1], sys.argv[2:]
    if command == "setup":
        output = setup(args[0], args[1], args[2], int(args[3]))
    elif command == "verify":
        output = verify(args[0])
    else:
        raise SystemExit(f"unknown command {command!r}")
    print(json.dumps(output))
