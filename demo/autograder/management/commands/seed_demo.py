"""Create the sample course, its problems, learners, a grader account, and the sample submissions."""

import json

from django.contrib.auth.models import Group, User
from django.core.management.base import BaseCommand
from django.db import transaction

from submissions import api
from submissions.external_grader.grader.languages import get_language
from submissions.external_grader.hashers import set_grader_password

from ...models import Course, Problem, SampleSubmission
from ...samples import COURSE_KEY, COURSE_TITLE, LEARNERS, LIMITS, PROBLEMS


class Command(BaseCommand):
    help = "Seed the demo: one course, a problem per language, learners and submissions to grade."

    def add_arguments(self, parser):
        parser.add_argument("--grader-password", required=True)
        parser.add_argument("--admin-password", default="admin")
        parser.add_argument("--languages", default="", help="comma-separated subset (default: all available)")

    def handle(self, *args, grader_password, admin_password, languages, **options):
        wanted = {name for name in languages.split(",") if name}
        with transaction.atomic():
            grader, _ = User.objects.get_or_create(username="demo-grader")
            grader.groups.add(Group.objects.get_or_create(name="xqueue")[0])
            set_grader_password(grader, grader_password)
            if not User.objects.filter(username="admin").exists():
                User.objects.create_superuser("admin", "admin@example.com", admin_password)
            for learner in LEARNERS.values():
                User.objects.get_or_create(username=learner, defaults={"email": f"{learner}@example.com"})
            course, _ = Course.objects.get_or_create(key=COURSE_KEY, defaults={"title": COURSE_TITLE})
        skipped = []
        for spec in PROBLEMS:
            language = get_language(spec["language"])
            if (wanted and spec["language"] not in wanted) or language.missing_tools():
                skipped.append(spec["language"])
                continue
            usage_key = f"block-v1:DemoU+CS101+2026+type@problem+block@{spec['slug']}"
            points = int(sum(test["points"] for test in spec["tests"]))
            payload = json.dumps({"language": spec["language"], "tests": spec["tests"], "limits": LIMITS})
            problem, _ = Problem.objects.update_or_create(
                usage_key=usage_key,
                defaults={
                    "course": course,
                    "title": spec["title"],
                    "language": spec["language"],
                    "grader_payload": payload,
                    "points": points,
                },
            )
            for kind, source in spec["samples"].items():
                learner = LEARNERS[kind]
                student_item = {
                    "student_id": learner,
                    "course_id": COURSE_KEY,
                    "item_id": usage_key,
                    "item_type": "problem",
                }
                # What the LMS does when a learner submits: create the grader row in-process.
                detail = api.create_external_grader_detail(
                    student_item,
                    source,
                    "demo",
                    f"{learner}-{spec['slug']}",
                    grader_file_name="testcases",
                    points_possible=points,
                    grader_payload=payload,
                )
                SampleSubmission.objects.create(
                    problem=problem, learner=learner, kind=kind, source=source, submission_id=detail.submission_id
                )
        count = SampleSubmission.objects.count()
        self.stdout.write(f"seeded {count} submissions in queue 'demo'")
        if skipped:
            self.stdout.write(f"NOT seeded (runtime missing or not selected): {', '.join(skipped)}")
