"""``manage.py requeue_stale``: release stuck hand-outs, and with ``--failed`` requeue failed rows."""

from django.core.management.base import BaseCommand

from submissions.external_grader import queue


class Command(BaseCommand):
    help = (
        "Release grader rows pulled more than --older-than seconds ago (default: the processing delay) back to "
        "pending; rows at the attempt cap fail with the notice. With --failed, also requeue failed rows."
    )

    def add_arguments(self, parser):
        parser.add_argument("--older-than", type=int, default=None, help="Seconds since the hand-out")
        parser.add_argument("--queue", help="Only this queue")
        parser.add_argument("--failed", action="store_true", help="Also move failed rows back to pending")
        parser.add_argument("--id", type=int, action="append", dest="ids", help="Failed grader row id (repeatable)")

    def handle(self, *args, **options):
        result = queue.requeue_stale(older_than=options["older_than"], queue_name=options["queue"])
        self.stdout.write(f"Released {result['released']} stale rows; {result['failed']} failed at the attempt cap.")
        if options["failed"] or options["ids"]:
            count = queue.requeue_failed(ids=options["ids"], queue_name=options["queue"])
            self.stdout.write(f"Requeued {count} failed rows.")
