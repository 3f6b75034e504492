"""
``manage.py create_grader USERNAME``: a grader account with a new random secret, printed once, and the
xqueue-watcher configuration that uses it.
"""

import json
import os

from django.core.management.base import BaseCommand, CommandError

from submissions.external_grader import accounts


class Command(BaseCommand):
    help = (
        "Create a grader account (or give an existing one a new secret) in the grader group, its password hashed "
        "with the grader hasher, and print its secret: the only line on standard output, so "
        "GRADER_PASSWORD=$(manage.py create_grader NAME) works. The xqueue-watcher queue configuration (a conf.d "
        "JSON file) that logs in with it goes to standard error, or to --watcher-config FILE."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--queue", default="QUEUE-NAME", help="the queue name the watcher polls")
        parser.add_argument(
            "--server",
            default="https://lms.example.com",
            help="the URL the watcher is given: the one directly above the host's xqueue/ prefix",
        )
        parser.add_argument("--connections", type=int, default=2, help="connections of each watcher process")
        parser.add_argument("--watcher-config", metavar="FILE", help="write the watcher's conf.d JSON file here")

    def handle(self, *args, username, queue, server, connections, watcher_config=None, **options):
        try:
            secret = accounts.create_grader(username)
        except ValueError as exc:
            raise CommandError(
                f"{exc}. Add 'submissions.external_grader.hashers.GraderPBKDF2PasswordHasher' to PASSWORD_HASHERS."
            ) from exc
        self.stdout.write(secret)
        config = json.dumps(accounts.watcher_config(queue, server, username, secret, connections), indent=4)
        if watcher_config:
            # It holds the secret: readable by its owner only, as a key file would be.
            descriptor = os.open(watcher_config, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            os.fchmod(descriptor, 0o600)  # an existing file keeps its mode through O_CREAT
            with open(descriptor, "w", encoding="utf-8") as file:
                file.write(config + "\n")
            where = f"written to {watcher_config}"
        else:
            self.stderr.write(config)
            where = "above"
        self.stderr.write(
            f"Grader {username!r} is ready; its secret is not stored anywhere in clear. The watcher's queue "
            f"configuration (a conf.d/*.json file) is {where}: set SERVER, the queue name and HANDLERS."
        )
