# Run with: python manage.py shell < submit.py
# What the LMS does when a learner submits code: queue it for a grader, with the problem's test cases.
import json

from submissions import api

student_item = {"student_id": "alice", "course_id": "course-v1:Demo+CS1+2026", "item_id": "sum", "item_type": "problem"}
answer = "a, b = map(int, input().split())\nprint(a + b)\n"
grader_payload = {
    "language": "python",
    "tests": [
        {"stdin": "1 2\n", "expected_stdout": "3\n"},
        {"stdin": "40 2\n", "expected_stdout": "42\n"},
    ],
}
detail = api.create_external_grader_detail(
    student_item,
    answer,
    queue_name="python",
    queue_key="alice-sum-1",
    points_possible=2,
    grader_payload=json.dumps(grader_payload),
)
print("queued submission", detail.submission.uuid)
