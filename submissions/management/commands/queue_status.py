"""``manage.py queue_status [--queue Q] [--json]``: per queue and state, the count and oldest age."""

import json

from django.core.management.base import BaseCommand

from submissions.external_grader.queue import queue_stats


class Command(BaseCommand):
    help = "Show grader queue lengths: rows per state, the oldest age per state, and what graders could pull now."

    def add_arguments(self, parser):
        parser.add_argument("--queue", help="Only this queue")
        parser.add_argument("--json", action="store_true", help="Print JSON")

    def handle(self, *args, queue=None, **options):
        stats = queue_stats(queue_name=queue)
        if options["json"]:
            self.stdout.write(json.dumps(stats, default=str, indent=2, sort_keys=True))
            return
        if not stats:
            self.stdout.write("No grader queues.")
            return
        for name, queue_data in stats.items():
            self.stdout.write(f"{name}: {queue_data['eligible']} ready to pull")
            for state, entry in sorted(queue_data["states"].items()):
                age = entry["oldest_age"]
                oldest = f"oldest {age:.0f}s" if age is not None else ""
                self.stdout.write(f"  {state:8} {entry['count']:8}  {oldest}")
