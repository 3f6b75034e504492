"""``manage.py deliver_score_events``: redeliver score events whose delivery failed (the outbox)."""

import time

from django.core.management.base import BaseCommand

from submissions.external_grader.events import deliver_pending_events


class Command(BaseCommand):
    help = "Deliver score events that are due for (re)delivery. With --loop, keep doing so every --interval seconds."

    def add_arguments(self, parser):
        parser.add_argument("--limit", type=int, default=500, help="Events per round")
        parser.add_argument("--loop", action="store_true")
        parser.add_argument("--interval", type=float, default=30.0)
        parser.add_argument("--rounds", type=int, default=None, help="Stop after N rounds (with --loop)")

    def handle(self, *args, **options):
        rounds = 0
        while True:
            delivered, failed = deliver_pending_events(limit=options["limit"])
            self.stdout.write(f"Delivered {delivered} events; {failed} failed and will be retried.")
            rounds += 1
            if not options["loop"] or (options["rounds"] and rounds >= options["rounds"]):
                return
            time.sleep(options["interval"])
