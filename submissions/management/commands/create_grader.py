"""``manage.py create_grader USERNAME``: a grader account with a new random secret, printed once."""

from django.core.management.base import BaseCommand, CommandError

from submissions.external_grader.accounts import create_grader


class Command(BaseCommand):
    help = (
        "Create a grader account (or give an existing one a new secret) in the grader group, and print its "
        "secret: the only line on standard output, so GRADER_PASSWORD=$(manage.py create_grader NAME) works."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")

    def handle(self, *args, username, **options):
        try:
            secret = create_grader(username)
        except ValueError as exc:
            raise CommandError(
                f"{exc}. Add 'submissions.external_grader.hashers.GraderPBKDF2PasswordHasher' to PASSWORD_HASHERS."
            ) from exc
        self.stdout.write(secret)
        self.stderr.write(f"Grader {username!r} is ready; its secret (above) is not stored anywhere in clear.")
