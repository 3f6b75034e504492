"""Print the table of sample submissions and their grades; optionally wait until all are graded."""

import time

from django.core.management.base import BaseCommand, CommandError

from ...outcomes import rows


class Command(BaseCommand):
    help = "Print the demo's results table; exit non-zero unless every sample was graded as expected."

    def add_arguments(self, parser):
        parser.add_argument("--wait", type=float, default=0, help="seconds to wait for every sample to be graded")

    def handle(self, *args, wait, **options):
        deadline = time.monotonic() + wait
        table = rows()
        while any(not r["graded"] for r in table) and time.monotonic() < deadline:
            time.sleep(1)
            table = rows()
        header = f"{'#':>3}  {'learner':8} {'language':10} {'problem':18} {'sample':14} {'state':8} {'points':7} check"
        self.stdout.write(header)
        self.stdout.write("-" * len(header))
        for r in table:
            self.stdout.write(
                f"{r['submission_id']:>3}  {r['learner']:8} {r['language']:10} {r['problem'][:18]:18} "
                f"{r['kind']:14} {r['state']:8} {r['points']:7} {r['check']}"
            )
        good = sum(1 for r in table if r["as_expected"])
        self.stdout.write(f"demo: {good}/{len(table)} graded")
        if not table or good != len(table):
            raise CommandError(f"{len(table) - good} of {len(table)} samples not graded as expected")
