"""Seed the demo: a teacher, two students, a class, a published assignment with one question per language."""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand
from django.db import transaction
from submissions.external_grader.grader.languages import get_language
from submissions.external_grader.hashers import set_grader_password

from assignments import services as assignment_services
from assignments.serializers import AssignmentInSerializer
from classes import services as class_services
from classes.models import Class

from ...demo_data import ACCOUNTS, QUESTIONS, api_question

CLASS_NAME = "CS101: Programming in five languages"


class Command(BaseCommand):
    help = "Seed the demo site (idempotent for the accounts; adds the class and assignment once)."

    def add_arguments(self, parser):
        parser.add_argument("--grader-password", required=True, help="password of the grader account 'grader'")
        parser.add_argument("--admin-password", default="admin")

    def handle(self, *args, grader_password, admin_password, **options):
        users = get_user_model()
        with transaction.atomic():
            grader, _ = users.objects.get_or_create(username="grader", defaults={"role": "teacher"})
            grader.groups.add(Group.objects.get_or_create(name="xqueue")[0])
            set_grader_password(grader, grader_password)
            if not users.objects.filter(username="admin").exists():
                users.objects.create_superuser("admin", "admin@example.com", admin_password, role="teacher")
            people = {}
            for username, role, password in ACCOUNTS:
                person, created = users.objects.get_or_create(
                    username=username, defaults={"role": role, "email": f"{username}@example.com"}
                )
                if created:
                    person.set_password(password)
                    person.save()
                people[username] = person
            if Class.objects.filter(name=CLASS_NAME).exists():
                return
            klass = class_services.create_class(people["teacher"], CLASS_NAME, "The demo class of `make demo`.")
            for username in ("ada", "brian"):
                class_services.join(klass, people[username], klass.join_code)
            available = [q for q in QUESTIONS if not get_language(q["language"]).missing_tools()]
            skipped = sorted({q["language"] for q in QUESTIONS} - {q["language"] for q in available})
            data = AssignmentInSerializer(
                data={
                    "class_id": klass.pk,
                    "title": "Warm-up in five languages",
                    "description": "One short program per language. Run your code on the examples, then submit.",
                    "due_at": None,
                    "questions": [api_question(q) for q in available],
                }
            )
            data.is_valid(raise_exception=True)
            assignment = assignment_services.create_assignment(people["teacher"], data.validated_data)
        assignment_services.publish(assignment)
        self.stdout.write(f"seeded class {klass.name!r} (join code {klass.join_code}), assignment {assignment.pk}")
        if skipped:
            self.stdout.write(f"not seeded (runtime missing): {', '.join(skipped)}")
