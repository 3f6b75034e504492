"""
Instructor API bulk benchmark: learners/s of the all-learner operations (reset attempts, rescore).

A fresh database (``<name>_bench``, dropped at the end) gets a course with N learners on one problem, each
with one submission and a grader row; each operation is started through the service (as the 202 endpoint
does) and run inline in this process, in batches of ``--batch-size``. We time the task from its start to
its completion (the worker's share of the work) and print learners/s.

    SUBMISSIONS_TEST_DB=postgres python bench/instructor_bulk.py [--learners 2000] [--batch-size 100] [--repeat 3]
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "test_settings")
os.environ.setdefault("SUBMISSIONS_TEST_DB_NAME", "sub_instr_bench")

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import override_settings  # noqa: E402

from submissions.instructor_v2 import services  # noqa: E402
from submissions.instructor_v2.keys import parse_course_key, parse_usage_key  # noqa: E402
from submissions.instructor_v2.models import GradingTask  # noqa: E402
from submissions.models import ExternalGraderDetail, StudentItem, Submission  # noqa: E402

COURSE = "course-v1:Bench+Bulk+2026"
PROBLEM = "block-v1:Bench+Bulk+2026+type@problem+block@p1"


def seed(learners):
    items = StudentItem.objects.bulk_create(
        [
            StudentItem(student_id=f"learner-{n:06d}", course_id=COURSE, item_id=PROBLEM, item_type="problem")
            for n in range(learners)
        ],
        batch_size=1000,
    )
    if not all(item.pk for item in items):
        items = list(StudentItem.objects.filter(course_id=COURSE))
    Submission.objects.bulk_create(
        [Submission(student_item=item, attempt_number=1, answer={"n": n}) for n, item in enumerate(items)],
        batch_size=1000,
    )
    ExternalGraderDetail.objects.bulk_create(
        [
            ExternalGraderDetail(submission_id=pk, queue_name="bench", points_possible=10)
            for pk in Submission.objects.filter(student_item__course_id=COURSE).values_list("pk", flat=True)
        ],
        batch_size=1000,
    )


def run(operation, user, course, usage, options):
    started = time.perf_counter()
    task = services.start_task(user, course, usage, operation, options)  # inline runner: runs on commit
    elapsed = time.perf_counter() - started
    task.refresh_from_db()
    assert task.state == "completed", (task.state, task.error)
    return task, elapsed


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--learners", type=int, default=2000)
    parser.add_argument("--batch-size", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    test_name = connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    try:
        seed(args.learners)
        user = get_user_model().objects.create(username="bench-admin", is_staff=True)
        course = parse_course_key(COURSE)
        usage = parse_usage_key(PROBLEM, course)
        print(
            f"database={connection.vendor} ({test_name}) learners={args.learners} "
            f"batch_size={args.batch_size} repeat={args.repeat}"
        )
        operations = [
            ("reset_attempts", GradingTask.Operation.RESET_ATTEMPTS, {}),
            ("rescore", GradingTask.Operation.RESCORE, {"only_if_higher": False}),
            ("rescore_only_if_higher", GradingTask.Operation.RESCORE, {"only_if_higher": True}),
        ]
        with override_settings(SUBMISSIONS={"TASK_RUNNER": "inline", "TASK_BATCH_SIZE": args.batch_size}):
            for label, operation, options in operations:
                rates = []
                for _ in range(args.repeat):
                    task, elapsed = run(operation, user, course, usage, options)
                    assert task.succeeded == args.learners, task.result
                    rates.append(args.learners / elapsed)
                print(
                    f"{label:24s} median {statistics.median(rates):9.1f} learners/s "
                    f"(min {min(rates):.1f}, max {max(rates):.1f}; {len(rates)} runs)"
                )
    finally:
        connection.creation.destroy_test_db(test_name, verbosity=0)


if __name__ == "__main__":
    main()
