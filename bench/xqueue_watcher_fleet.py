"""
A fleet's first login: the real xqueue-watcher (2 processes x 4 connections, its default settings: 1 s request
timeout) starting against a freshly started gunicorn (2 sync workers, cold: the app loaded, no request served
yet) serving the library on PostgreSQL or MariaDB, with a grader account made the ordinary way (``set_password``,
Django's default PBKDF2 hasher, as the admin or ``createsuperuser`` would) or by ``manage.py create_grader``.

Prints, per database and account, the latency of the CSRF ``GET login/`` and of the credential ``POST login/``
of every connection's first login (p50 / max over all rounds; a request without an answer, because it timed out
at the watcher's 1 s or its process exited first, counts as "timeout"), how many connections died (a timeout
on the first login ends the connection's
thread) and how many watcher processes exited (the manager exits when one of its connections has died).

    python bench/xqueue_watcher_fleet.py --vendor postgres --vendor mysql --rounds 3 \
        --account default --account create_grader [--preload] [--warm]

Needs the vendored watcher installed in this virtualenv (``pip install ../shared/vendor/xqueue-watcher-*.tar.gz``
or ``tox -e watcher``), PostgreSQL on 127.0.0.1:5432 and MariaDB on 127.0.0.1:3306. Databases
``sub_watcher_fleet_bench_*`` are dropped and created again.
"""

import argparse
import math
import statistics
import sys
import tempfile
import time
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.external_grader.watcher import fleet  # noqa: E402

QUEUE = "fleet-bench"
USERNAME = "fleet-grader"


def run_round(env, workdir, secret, args):
    """One fleet start against a fresh gunicorn; the login times and what died."""
    with fleet.Server(env, workdir / "server", workers=args.workers, preload=args.preload) as server:
        if args.warm:
            for _ in range(2 * args.workers):  # a health check on each worker, as a load balancer would
                requests.get(server.url + "/xqueue/status/", timeout=10)
        watchers = fleet.Watchers(workdir, server.url, QUEUE, USERNAME, secret, debug=True, handlers=())
        with watchers:
            started = time.monotonic()
            expected = len(watchers.directories) * 4
            # Every connection answered or died, then the manager's liveness check (POLL_TIME 10 s) has run.
            while time.monotonic() - started < 30:
                times = fleet.login_times(watchers.log_lines())
                settled = [t for t in times.values() if t["post"] is not None]
                if len(times) == expected and len(settled) + sum(watchers.died_connections()) >= expected:
                    break
                time.sleep(0.2)
            # A process whose connection died exits when its manager notices: it checks one connection every
            # POLL_TIME (10 s), so that can take 4 x 10 s. Wait for that (bounded), or a second if none died.
            while time.monotonic() - started < 4 * fleet.WATCHER_DEFAULTS["POLL_TIME"] + 5:
                dying = [i for i, died in enumerate(watchers.died_connections()) if died]
                if not set(dying) - set(watchers.dead()):
                    break
                time.sleep(0.5)
            time.sleep(1)
            times = fleet.login_times(watchers.log_lines())
            return {
                "get": [t["get"] if t["get"] is not None else math.inf for t in times.values()],
                "post": [t["post"] if t["post"] is not None else math.inf for t in times.values()],
                "connections": len(times),
                "died_connections": sum(watchers.died_connections()),
                "died_processes": len(watchers.dead()),
            }


def milliseconds(values):
    """p50 / max of every login (a timeout counts as longer than any answer), and of the answered ones."""
    values = sorted(values)
    if not values:
        return "-"
    answered = [v for v in values if not math.isinf(v)]
    show = lambda v: "timeout" if math.isinf(v) else f"{v * 1000:.0f}"  # noqa: E731
    text = f"p50 {show(statistics.median_high(values))} / max {show(values[-1])} ms"
    if len(answered) < len(values):
        text += f" (answered: {len(answered)}/{len(values)}"
        text += f", p50 {show(statistics.median(answered))} / max {show(answered[-1])} ms)" if answered else ")"
    return text


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--vendor", action="append", choices=["postgres", "mysql"])
    parser.add_argument("--account", action="append", choices=["default", "create_grader"])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--preload", action="store_true", help="gunicorn --preload (the app loaded in the master)")
    parser.add_argument("--warm", action="store_true", help="a status/ request per worker before the fleet starts")
    args = parser.parse_args()
    missing = fleet.watcher_missing()
    if missing:
        raise SystemExit(missing)
    print(
        f"real xqueue-watcher: 2 processes x 4 connections, {fleet.WATCHER_DEFAULTS}; gunicorn {args.workers} "
        f"sync workers{' --preload' if args.preload else ''}{', warmed' if args.warm else ', cold'}; "
        f"{args.rounds} round(s)",
        flush=True,
    )
    for vendor in args.vendor or ["postgres", "mysql"]:
        for account in args.account or ["default", "create_grader"]:
            database = f"sub_watcher_fleet_bench_{vendor}"
            with tempfile.TemporaryDirectory(prefix="watcher-fleet-") as tmp:
                fleet.recreate_database(vendor, database)
                env = fleet.host_env(vendor, database, tmp, QUEUE)
                setup = fleet.host_tool(env, "setup", account, USERNAME, QUEUE, 0)
                rounds = []
                for index in range(args.rounds):
                    workdir = Path(tmp) / f"round-{index}"
                    rounds.append(run_round(env, workdir, setup["secret"], args))
                fleet.drop_database(vendor, database)
            gets = [v for r in rounds for v in r["get"]]
            posts = [v for r in rounds for v in r["post"]]
            unanswered = sum(math.isinf(g) or math.isinf(p) for g, p in zip(gets, posts, strict=True))
            connections = sum(r["connections"] for r in rounds)
            print(
                f"{vendor:8} {account:13} ({setup['password_hash']}): "
                f"POST login/ {milliseconds(posts)}, GET login/ {milliseconds(gets)}; "
                f"unanswered {unanswered}/{len(posts)} logins; "
                f"connections died {sum(r['died_connections'] for r in rounds)}/{connections}, "
                f"watcher processes died {sum(r['died_processes'] for r in rounds)}/{2 * len(rounds)}",
                flush=True,
            )


if __name__ == "__main__":
    main()
