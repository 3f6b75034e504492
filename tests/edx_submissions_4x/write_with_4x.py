"""
Run under edx-submissions 4.0.2 (in its own virtualenv): write rows of every model through ITS public API, as an
LMS would, then write the manifest of read calls to compare (``python write_with_4x.py manifest.json``).

Standalone script: imports only what edx-submissions 4.0.2 and Django provide.
"""

import json
import sys
import types

import django

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.core.files.base import ContentFile  # noqa: E402

from submissions import api, team_api  # noqa: E402
from submissions.models import ExternalGraderDetail  # noqa: E402

COURSE = "course-v1:UpgradeX+U1+2026"
UNKNOWN_UUID = "00000000-0000-4000-8000-000000000000"


def item(student, item_id="problem-1", item_type="problem"):
    return {"student_id": student, "course_id": COURSE, "item_id": item_id, "item_type": item_type}


def upload(name, content):
    """What the LMS hands over for a file: an object whose ``.file`` is the file."""
    return types.SimpleNamespace(file=ContentFile(content, name=name))


calls = []


def call(name, *args, **kwargs):
    calls.append([name, list(args), kwargs])


# Individual submissions: several attempts, unicode, nested and large answers, two items.
s1a = api.create_submission(item("learner-1"), {"text": "première réponse ✓", "files": ["a.txt"]}, attempt_number=1)
s1b = api.create_submission(item("learner-1"), "second attempt", attempt_number=2)
s2 = api.create_submission(item("learner-2"), [1, 2.5, {"nested": None, "ok": True}])
s3 = api.create_submission(item("learner-3"), {"long": "x" * 60000})
s4 = api.create_submission(item("learner-4", "problem-2"), "another item")
s5 = api.create_submission(item("learner-1", "problem-2"), "ω")

# Scores: annotated, a history with a new highest, a reset that clears state, a reset that keeps it, a zero.
api.set_score(
    s1b["uuid"],
    8,
    10,
    annotation_creator="staff-1",
    annotation_type="staff_override",
    annotation_reason="regraded ✓",
)
api.set_score(s2["uuid"], 3, 10)
api.set_score(s2["uuid"], 7, 10)
api.set_score(s2["uuid"], 5, 10)
api.set_score(s3["uuid"], 10, 10)
api.reset_score("learner-3", COURSE, "problem-1", clear_state=True)
api.set_score(s4["uuid"], 2, 5)
api.reset_score("learner-4", COURSE, "problem-2")
api.set_score(s5["uuid"], 0, 5)

# Team submissions: one scored with an annotation, one reset with cleared state.
captain = get_user_model().objects.create_user("captain")
team_a = team_api.create_submission_for_team(
    COURSE, "team-problem", "team-a", captain.id, ["member-1", "member-2"], {"essay": "team answer ✓"}
)
team_api.set_score(
    team_a["team_submission_uuid"],
    9,
    10,
    annotation_creator="staff-2",
    annotation_type="staff_defined",
    annotation_reason="team grade",
)
team_b = team_api.create_submission_for_team(COURSE, "team-problem", "team-b", captain.id, ["member-3"], "b")
team_api.set_score(team_b["team_submission_uuid"], 4, 10)
team_subs = [team_api.get_team_submission(t["team_submission_uuid"]) for t in (team_a, team_b)]
team_api.reset_scores(team_b["team_submission_uuid"], clear_state=True)

# External grader rows in every state, one with files, one graded the way the XQueue view records a grade.
pending = api.create_external_grader_detail(
    item("learner-5", "code-1"),
    {"code": "print(1)"},
    "python-q",
    "lms-key-1",
    grader_file_name="grade.py",
    points_possible=5,
    files={"main.py": upload("main.py", b"print('hello')\n"), "données.csv": upload("d.csv", b"a,b\n1,2\n")},
)
retired = api.create_external_grader_detail(item("learner-6", "code-1"), "x = 1", "python-q", "lms-key-2")
retired.update_status("pulled")
retired.grader_reply = json.dumps({"correct": True, "score": 1, "msg": "<p>ok</p>"})
retired.save(update_fields=["grader_reply"])
retired.update_status("retired")
api.set_score(retired.submission.uuid, 1, 1)
failed = api.create_external_grader_detail(
    item("learner-7", "code-1"), "boom", "java-q", "lms-key-3", points_possible=3
)
failed.update_status("pulled")
failed.update_status("failed")
retry = api.create_external_grader_detail(item("learner-8", "code-1"), "again", "python-q", "lms-key-4")
retry.update_status("pulled")
retry.update_status("retry")
pulled = api.create_external_grader_detail(item("learner-9", "code-1"), "busy", "python-q", None)
pulled.update_status("pulled")

# The read calls to compare: every submission, student item, learner, team and the course-wide reads.
grader_uuids = [str(row.submission.uuid) for row in ExternalGraderDetail.objects.order_by("id")]
member_uuids = [uuid for t in team_subs for uuid in t["submission_uuids"]]
all_uuids = [s["uuid"] for s in (s1a, s1b, s2, s3, s4, s5)] + member_uuids + grader_uuids
for uuid in [*all_uuids, UNKNOWN_UUID]:
    call("api.get_submission", uuid)
    call("api.get_submission_and_student", uuid)
    call("api.get_latest_score_for_submission", uuid)
    call("team_api.get_team_submission_from_individual_submission", uuid)
items = [item(f"learner-{n}") for n in (1, 2, 3)] + [item("learner-4", "problem-2"), item("learner-1", "problem-2")]
items += [item(f"learner-{n}", "code-1") for n in range(5, 10)]
items += [item(f"member-{n}", "team-problem", "openassessment") for n in (1, 2, 3)]
for student_item in items:
    call("api.get_submissions", student_item)
    call("api.get_submissions", student_item, limit=1)
    call("api.get_score", student_item)
for student in sorted({student_item["student_id"] for student_item in items}):
    call("api.get_scores", COURSE, student)
for item_id, item_type in [("problem-1", "problem"), ("problem-2", "problem"), ("code-1", "problem")]:
    call("api.get_all_submissions", COURSE, item_id, item_type)
    call("api.get_top_submissions", COURSE, item_id, item_type, 10, use_cache=False)
call("api.get_all_course_submission_information", COURSE, "problem")
call("api.get_all_course_submission_information", COURSE, "openassessment")
call("api.get_student_ids_by_submission_uuid", COURSE, all_uuids)
for team in team_subs:
    call("team_api.get_team_submission", team["team_submission_uuid"])
    call("team_api.get_team_submission_student_ids", team["team_submission_uuid"])
call("team_api.get_team_submission", UNKNOWN_UUID)
call("team_api.get_team_submission_for_team", COURSE, "team-problem", "team-a")
call("team_api.get_team_submission_for_team", COURSE, "team-problem", "team-b")
call("team_api.get_team_submission_for_student", item("member-1", "team-problem", "openassessment"))
call("team_api.get_all_team_submissions", COURSE, "team-problem")
call("team_api.get_team_ids_by_team_submission_uuid", [t["team_submission_uuid"] for t in team_subs])
call("team_api.get_teammates_with_submissions_from_other_teams", COURSE, "team-problem", "team-c", ["member-1"])

# Reads given a None id (a learner without an anonymous id, an item not found upstream): 4.x answers these
# without raising (None, empty results or its not-found errors), and so must a drop-in.
NONE_ITEMS = [
    {"student_id": None, "course_id": COURSE, "item_id": "problem-1", "item_type": "problem"},
    {"student_id": "learner-1", "course_id": None, "item_id": "problem-1", "item_type": "problem"},
    {"student_id": "learner-1", "course_id": COURSE, "item_id": None, "item_type": "problem"},
    {"student_id": "learner-1", "course_id": COURSE, "item_id": "problem-1", "item_type": None},
    {"student_id": "learner-1", "course_id": COURSE, "item_id": "problem-1"},
]
for student_item in NONE_ITEMS:
    call("api.get_score", student_item)
    call("api.get_submissions", student_item)
    call("team_api.get_team_submission_for_student", student_item)
for name in ("api.get_submission", "api.get_submission_and_student", "api.get_latest_score_for_submission"):
    call(name, None)
call("api.get_scores", COURSE, None)
call("api.get_scores", None, "learner-1")
for args in [(None, "problem-1", "problem"), (COURSE, None, "problem"), (COURSE, "problem-1", None)]:
    call("api.get_all_submissions", *args)
    call("api.get_top_submissions", *args, 10, use_cache=False)
call("api.get_all_course_submission_information", None, "problem")
call("api.get_all_course_submission_information", COURSE, None)
call("api.get_student_ids_by_submission_uuid", None, all_uuids[:2])
call("api.get_student_ids_by_submission_uuid", COURSE, [None, all_uuids[0]])
call("team_api.get_team_submission", None)
call("team_api.get_team_submission_from_individual_submission", None)
call("team_api.get_team_submission_for_team", COURSE, "team-problem", None)
call("team_api.get_team_submission_for_team", None, "team-problem", "team-a")
call("team_api.get_all_team_submissions", None, "team-problem")
call("team_api.get_all_team_submissions", COURSE, None)
call("team_api.get_team_submission_student_ids", None)
call("team_api.get_team_ids_by_team_submission_uuid", [None, team_subs[0]["team_submission_uuid"]])
call("team_api.get_teammates_with_submissions_from_other_teams", COURSE, "team-problem", None, ["member-1"])
call("team_api.get_teammates_with_submissions_from_other_teams", COURSE, "team-problem", "team-c", [None])
call("team_api.get_teammates_with_submissions_from_other_teams", None, "team-problem", "team-c", ["member-1"])

with open(sys.argv[1], "w") as out:
    json.dump({"calls": calls}, out, indent=1, default=str)
