"""Fail bulk grading tasks that have reported no progress for a while (a dead worker)."""

from django.core.management.base import BaseCommand

from submissions.instructor_v2.services.tasks import fail_stalled_tasks


class Command(BaseCommand):
    help = (
        "Fail pending or running grading tasks silent for longer than --timeout seconds "
        "(default SUBMISSIONS['TASK_STALL_TIMEOUT']) with error TASK_STALLED."
    )

    def add_arguments(self, parser):
        parser.add_argument("--timeout", type=int, default=None, help="Seconds without progress.")

    def handle(self, *args, timeout=None, **options):
        failed = fail_stalled_tasks(timeout)
        for task_id in failed:
            self.stdout.write(f"failed {task_id}")
        self.stdout.write(f"{len(failed)} stalled task(s) failed")
