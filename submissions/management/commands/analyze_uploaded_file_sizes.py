"""
Report the bytes of ORA file uploads per course, as a tab-separated table on stdout:
course id, users with uploaded files, total bytes, average bytes per user.

``--min_date`` / ``--max_date`` (``YYYY-MM-DD``, both inclusive) default to the last 30 days; they may
be at most 90 days apart, and no data exists before 2019-11-01 (earlier dates are raised to it).
4.x crashed whenever a date was given (its argparse type returned None).
"""

import argparse
import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from submissions.services import maintenance

DATE_FORMAT = "%Y-%m-%d"
EARLIEST_ALLOWED_DATE = datetime.date(2019, 11, 1)
MAX_SPAN = datetime.timedelta(days=90)
HEADER = "Course ID\tUsers with Uploaded Files\tTotal Uploaded Bytes\tAverage Upload per User"


def parse_date(value):
    """argparse type: a ``YYYY-MM-DD`` date."""
    try:
        return datetime.datetime.strptime(value, DATE_FORMAT).date()
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"invalid date {value!r}: expected YYYY-MM-DD") from exc


class Command(BaseCommand):
    help = "Collects and prints stats about ORA file upload usage per course."

    def add_arguments(self, parser):
        today = timezone.localdate()
        parser.add_argument(
            "--min_date",
            type=parse_date,
            default=today - datetime.timedelta(days=30),
            help="First day of the report (YYYY-MM-DD). Defaults to 30 days ago; not before 2019-11-01.",
        )
        parser.add_argument(
            "--max_date", type=parse_date, default=today, help="Last day of the report (YYYY-MM-DD). Defaults to today."
        )

    def handle(self, *args, min_date, max_date, **options):
        self.stdout.write("Starting file upload submission report")
        self.stdout.write(f"min_date = {min_date:{DATE_FORMAT}}, max_date = {max_date:{DATE_FORMAT}}")
        min_date = self.validate_input_dates(min_date, max_date)
        start = timezone.make_aware(datetime.datetime.combine(min_date, datetime.time.min))
        end = timezone.make_aware(datetime.datetime.combine(max_date, datetime.time.max))
        self.stdout.write(HEADER)
        for course_id, users, total in maintenance.uploaded_file_sizes_by_course(start, end):
            if users or total:
                average = total / users if users else 0
                self.stdout.write(f"{course_id}\t{users}\t{total}\t{average:.0f}")

    def validate_input_dates(self, min_date, max_date):
        """Check the range; returns the (possibly raised) first day."""
        if max_date < min_date:
            raise CommandError("max_date must not be before min_date")
        if max_date - min_date > MAX_SPAN:
            raise CommandError("max_date and min_date cannot be more than 90 days apart")
        if max_date > timezone.localdate():
            self.stdout.write("Warning: max_date is in the future")
        if min_date < EARLIEST_ALLOWED_DATE:
            self.stdout.write(
                f"File size data is unavailable before {EARLIEST_ALLOWED_DATE:{DATE_FORMAT}}. "
                f"Setting min_date to {EARLIEST_ALLOWED_DATE:{DATE_FORMAT}}"
            )
            return EARLIEST_ALLOWED_DATE
        return min_date
