"""
Rewrite every submission uuid in the form Django stores today (EDUCATOR-1090).

Old MySQL databases of edx-submissions hold some uuids hyphenated (36 characters) where Django
writes 32 hex digits. The library finds such rows anyway (read-only fallback); this command
normalises them, chunk by chunk, so that the fallback is no longer needed. Safe to re-run and to
resume with ``--start``. Works on an empty table (4.x crashed there).
"""

import logging
import time

from django.core.management.base import BaseCommand, CommandError

from submissions.services import maintenance

logger = logging.getLogger(__name__)


class Command(BaseCommand):
    help = "Rewrite all submission uuids in the current storage form (chunked, resumable)."

    def add_arguments(self, parser):
        parser.add_argument("--start", "-s", type=int, default=0, help="Submission id to start at (default 0).")
        parser.add_argument("--chunk", "-c", type=int, default=1000, help="Rows per transaction (default 1000).")
        parser.add_argument(
            "--wait", "-w", type=float, default=2, help="Seconds to wait between transactions (default 2)."
        )

    def handle(self, *args, start, chunk, wait, **options):
        if chunk < 1:
            raise CommandError("--chunk must be at least 1")
        if wait < 0:
            raise CommandError("--wait cannot be negative")
        last_id = maintenance.last_submission_id()
        if last_id is None or start > last_id:
            self.stdout.write("No submissions to update.")
            return
        logger.info("Beginning uuid update from id %s to %s", start, last_id)
        current, updated = start, 0
        while current <= last_id:
            end = min(current + chunk - 1, last_id)
            logger.info("Updating entries in range [%s, %s]", current, end)
            updated += maintenance.normalise_submission_uuids(current, end)
            current = end + 1
            if current <= last_id and wait:
                time.sleep(wait)
        self.stdout.write(f"Updated {updated} submission(s) with ids {start} to {last_id}.")
