"""
Command line of the reference grader (installed as ``submissions-grader``)::

    submissions-grader --server http://127.0.0.1:8000 --queue demo \\
        --username grader --workers 2            # password from GRADER_PASSWORD or --password-file

``python -m submissions.external_grader.grader`` is the same program. Every option has an environment
variable (``GRADER_SERVER``, ``GRADER_QUEUE``, ``GRADER_USERNAME``, ``GRADER_PASSWORD``, ``GRADER_WORKERS``,
``GRADER_PLUGIN``, ``GRADER_MAX_POLL_INTERVAL``, ``GRADER_ALLOW_INSECURE``...). ``--probe`` prints the
sandbox report (isolation level, missing features, available languages) as JSON and exits.

Exit status: 0 stopped normally; 1 a worker crashed; 2 bad options; 3 no sandbox (see --allow-insecure);
4 gave up, the server failed for --give-up-after seconds; 5 login refused --login-attempts times in a row;
6 the server does not know the queue.
"""

import argparse
import json
import logging
import os
import sys

from .languages import LANGUAGES
from .leftovers import sweep
from .probe import InsecureSandboxError, probe
from .sandbox import closed_ancestor, work_root
from .worker import ExitStatus, GraderConfig, JsonFormatter, Supervisor, TextFormatter

logger = logging.getLogger("submissions.external_grader.grader")


def _env(name, default=None):
    return os.environ.get(f"GRADER_{name}", default)


def _flag(name):
    return _env(name, "").lower() in ("1", "true", "yes", "on")


def _number(parser, flag, kind, default, help=None, metavar=None):
    """An option read as ``kind``, whose default comes from ``GRADER_<FLAG>`` or ``default``."""
    variable = flag.lstrip("-").replace("-", "_").upper()
    parser.add_argument(flag, type=kind, default=kind(_env(variable, default)), help=help, metavar=metavar)


def build_parser():
    script = os.path.basename(sys.argv[0]) if sys.argv and sys.argv[0] else ""
    parser = argparse.ArgumentParser(
        prog=script if script.startswith("submissions-grader") else "python -m submissions.external_grader.grader",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--server", default=_env("SERVER"), help="base URL; the grader calls <server>/xqueue/...")
    parser.add_argument("--queue", default=_env("QUEUE"), help="queue name to pull from")
    parser.add_argument("--username", default=_env("USERNAME"))
    parser.add_argument("--password", default=None, help="prefer GRADER_PASSWORD or --password-file")
    parser.add_argument("--password-file", default=_env("PASSWORD_FILE"))
    _number(parser, "--workers", int, "2")
    parser.add_argument("--plugin", default=_env("PLUGIN", "testcases"), help="import string or 'testcases'")
    parser.add_argument("--plugin-option", action="append", default=[], metavar="KEY=VALUE")
    _number(parser, "--poll-interval", float, "1.0", "first wait after a poll found the queue empty (1)", "SECONDS")
    ceiling = _env("MAX_POLL_INTERVAL")
    parser.add_argument(
        "--max-poll-interval",
        type=float,
        default=float(ceiling) if ceiling else None,
        help="the wait grows x1.5 per empty poll up to this (5, or --poll-interval if longer): how long an idle "
        "grader may take to see new work",
        metavar="SECONDS",
    )
    _number(parser, "--timeout", float, "10", "HTTP timeout (s)")
    _number(parser, "--slot-uid-base", int, "61000")
    parser.add_argument(
        "--allow-insecure",
        action="store_true",
        default=_flag("ALLOW_INSECURE"),
        help="run learner code even at isolation level 'none' (development only)",
    )
    parser.add_argument(
        "--exit-when-empty",
        action="store_true",
        default=_flag("EXIT_WHEN_EMPTY"),
        help="stop once every worker's last poll was answered 'queue empty' (a failed poll does not count)",
    )
    _number(
        parser,
        "--give-up-after",
        float,
        "600",
        "stop with status 4 after the server failed (network, 5xx) this long in a row; 0 never (600)",
        "SECONDS",
    )
    _number(parser, "--login-attempts", int, "3", "stop with status 5 after this many refused logins in a row (3)")
    _number(parser, "--login-interval", float, "5", "wait between refused logins (5)", "SECONDS")
    parser.add_argument("--max-items", type=int, default=None)
    parser.add_argument("--probe", action="store_true", help="print the sandbox report as JSON and exit")
    parser.add_argument("--log-format", choices=("json", "text"), default=_env("LOG_FORMAT", "json"))
    parser.add_argument("--log-level", default=_env("LOG_LEVEL", "INFO"))
    return parser


def configure_logging(fmt, level):
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if fmt == "json" else TextFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())


def _health(report):
    languages = {name: not lang.missing_tools() for name, lang in LANGUAGES.items()}
    return {**report.as_dict(), "languages": languages}


def _password(args):
    if args.password_file:
        with open(args.password_file) as handle:
            return handle.read().strip()
    return args.password or _env("PASSWORD")


def main(argv=None):
    args = build_parser().parse_args(argv)
    configure_logging(args.log_format, args.log_level)
    if args.probe:
        print(json.dumps(_health(probe(slot_uid_base=args.slot_uid_base)), indent=2))
        return 0
    password = _password(args)
    missing = [name for name in ("server", "queue", "username") if not getattr(args, name)]
    if not password:
        missing.append("password")
    bad_options = [item for item in args.plugin_option if "=" not in item]
    if missing or bad_options:
        logger.error("missing options: %s; plugin options not KEY=VALUE: %s", missing, bad_options)
        return int(ExitStatus.USAGE)
    if args.max_poll_interval is None:  # only the first wait was set: a longer one raises the ceiling with it
        args.max_poll_interval = max(5.0, args.poll_interval)
    if not 0 < args.poll_interval <= args.max_poll_interval:
        logger.error(
            "poll intervals: need 0 < --poll-interval (%s) <= --max-poll-interval (%s)",
            args.poll_interval,
            args.max_poll_interval,
        )
        return int(ExitStatus.USAGE)
    closed = closed_ancestor(work_root()) if os.environ.get("GRADER_WORK_ROOT") else None
    if closed:
        logger.error(
            "GRADER_WORK_ROOT %s: %s is not searchable by other users, so the sandbox's slot UIDs could not "
            "reach their run directories; choose a directory whose every ancestor is (chmod o+x), such as /tmp",
            os.environ["GRADER_WORK_ROOT"],
            closed,
        )
        return int(ExitStatus.USAGE)
    swept = sweep(work_root())
    if any(swept.values()):
        logger.info("removed what dead graders left", extra={"fields": swept})
    report = probe(slot_uid_base=args.slot_uid_base)
    logger.info("sandbox", extra={"fields": _health(report)})
    try:
        report.require(args.allow_insecure)
    except InsecureSandboxError as exc:
        logger.error("%s", exc)
        return int(ExitStatus.INSECURE)
    if report.level == "none":
        logger.warning("INSECURE: learner code runs without isolation (--allow-insecure)")
    options = dict(item.split("=", 1) for item in args.plugin_option)
    config = GraderConfig(
        server=args.server,
        queue=args.queue,
        username=args.username,
        password=password,
        workers=max(1, args.workers),
        plugin=args.plugin,
        plugin_options=options,
        poll_interval=args.poll_interval,
        max_poll_interval=args.max_poll_interval,
        login_interval=args.login_interval,
        login_attempts=args.login_attempts,
        give_up_after=args.give_up_after or None,
        timeout=args.timeout,
        slot_uid_base=args.slot_uid_base,
        exit_when_empty=args.exit_when_empty,
        max_items=args.max_items,
    )
    supervisor = Supervisor(config, report)
    supervisor.install_signal_handlers()
    logger.info(
        "grader started",
        extra={
            "fields": {
                "server": config.server,
                "queue": config.queue,
                "workers": config.workers,
                "plugin": config.plugin,
            }
        },
    )
    stats = supervisor.run()
    status = supervisor.exit_status
    fields = {**stats, "exit_status": int(status), "reason": supervisor.reason}
    logger.log(logging.INFO if status == ExitStatus.OK else logging.ERROR, "grader stopped", extra={"fields": fields})
    return int(status)


if __name__ == "__main__":
    sys.exit(main())
