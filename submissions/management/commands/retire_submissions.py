"""``manage.py retire_submissions``: retire unfinished grader rows, with the failure notice by default."""

from django.core.management.base import BaseCommand, CommandError

from submissions.errors import SubmissionRequestError
from submissions.external_grader import queue


class Command(BaseCommand):
    help = "Retire unfinished grader rows by id, queue and/or age; learners get the 'could not be graded' notice."

    def add_arguments(self, parser):
        parser.add_argument("--id", type=int, action="append", dest="ids", help="Grader row id (repeatable)")
        parser.add_argument("--queue", help="Only this queue")
        parser.add_argument("--older-than-days", type=float, default=None, help="Created more than N days ago")
        parser.add_argument("--no-notice", action="store_true", help="Retire silently")

    def handle(self, *args, **options):
        days = options["older_than_days"]
        try:
            count = queue.retire(
                ids=options["ids"],
                queue_name=options["queue"],
                older_than=None if days is None else days * 86400,
                notice=not options["no_notice"],
            )
        except SubmissionRequestError as exc:
            raise CommandError("Give --id, --queue or --older-than-days") from exc
        self.stdout.write(f"Retired {count} rows.")
