"""``manage.py purge_files --older-than-days N [--grader-rows]``: delete old files (and rows) of finished grading."""

from django.core.management.base import BaseCommand

from submissions.external_grader import queue
from submissions.external_grader.files import purge_files


class Command(BaseCommand):
    help = "Delete files (rows and stored blobs) of retired/failed grader rows older than N days, and orphaned files."

    def add_arguments(self, parser):
        parser.add_argument("--older-than-days", type=int, required=True)
        parser.add_argument("--queue", help="Only this queue")
        parser.add_argument("--dry-run", action="store_true", help="Only count")
        parser.add_argument(
            "--grader-rows",
            action="store_true",
            help="Also delete the retired/failed grader rows themselves (submissions and scores are kept)",
        )

    def handle(self, *args, **options):
        count = purge_files(options["older_than_days"], queue_name=options["queue"], dry_run=options["dry_run"])
        verb = "Would delete" if options["dry_run"] else "Deleted"
        self.stdout.write(f"{verb} {count} files.")
        if options["grader_rows"]:
            rows = queue.purge_finished(
                options["older_than_days"], queue_name=options["queue"], dry_run=options["dry_run"]
            )
            self.stdout.write(f"{verb} {rows} grader rows.")
