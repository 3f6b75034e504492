"""
What the metrics cost (prints figures; not a test). ``docs/metrics.rst`` quotes them.

    python bench/metrics_cost.py                      # per call, in-process and multiprocess mode
    python bench/metrics_cost.py --instructions       # also instructions per graded submission (valgrind)
    python bench/metrics_cost.py --scrape-rows 1000000  # also a scrape's statement against 10^6 graded rows

A graded submission makes two reports on a grader worker: ``record.hand_out`` (``get_submission``) and
``record.reply`` with its latency (``put_result``); an idle poll makes none. On a machine shared with other work,
wall-clock figures move from run to run, so:

* **per call**: the minimum over 9 repeats of 20 000 calls (the least disturbed run) of each report, with
  metrics off (the no-op recorder), on (prometheus_client's in-process values) and on in multiprocess mode
  (values in memory-mapped files, as under gunicorn);
* **instructions** (``--instructions``): the same graded-submission sequence under valgrind's callgrind, which
  counts instructions, not time: a run of N submissions minus a run of 0, divided by N. Deterministic;
* **scrape** (``--scrape-rows``): the queue-depth statement (``queue.depth``) against a PostgreSQL table of
  graded rows plus a waiting backlog, beside the ORM's ``GROUP BY`` of the same figures, interleaved, median.

The end-to-end A/B (server CPU per graded submission with metrics on against the same tree with metrics off)
is ``bench/xqueue_ab.py --before HEAD --after-env BENCH_METRICS=1``.
"""

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import timeit
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

CALLS = 20_000
REPEATS = 9
QUEUE = "bench-metrics"


def _recorder(mode):
    """The recorder of ``mode`` ("off" or "on") in this process (no database, no Django set-up needed)."""
    from submissions import metrics

    if mode == "off":
        return metrics.OFF
    from submissions.metrics import prometheus

    return prometheus.recorder()


def _calls(recorder):
    from submissions.errors import LateGraderReplyError

    late = LateGraderReplyError("late")
    return {
        "hand_out": lambda: recorder.hand_out(QUEUE, 1),
        "reply (with latency)": lambda: recorder.reply(QUEUE, "recorded", 1.7),
        "reply_refused": lambda: recorder.reply_refused(late),
        "login": lambda: recorder.login("accepted"),
        "graded submission (hand_out + reply)": lambda: (
            recorder.hand_out(QUEUE, 1),
            recorder.reply(QUEUE, "recorded", 1.7),
        ),
    }


def per_call(mode):
    """``{report: ns per call}`` of ``mode`` in this process."""
    results = {}
    for name, call in _calls(_recorder(mode)).items():
        call()  # labelled children created before timing
        best = min(timeit.repeat(call, number=CALLS, repeat=REPEATS)) / CALLS
        results[name] = best * 1e9
    return results


def _child(*args, env=None):
    done = subprocess.run(
        [sys.executable, __file__, *args], env={**os.environ, **(env or {})}, capture_output=True, text=True
    )
    if done.returncode:
        raise RuntimeError(done.stderr[-3000:])
    return done


def graded_loop(mode, count):
    """The graded-submission sequence ``count`` times (the body measured by ``--instructions``)."""
    recorder = _recorder(mode)
    sequence = _calls(recorder)["graded submission (hand_out + reply)"]
    sequence()
    for _ in range(count):
        sequence()


def instructions(mode, multiprocess_dir=None, count=20_000):
    """Instructions per graded submission in ``mode``, counted by callgrind (N runs minus 0 runs, over N)."""
    env = {"PYTHONHASHSEED": "0"}
    if multiprocess_dir:
        env["PROMETHEUS_MULTIPROC_DIR"] = multiprocess_dir
    totals = []
    for n in (0, count):
        done = subprocess.run(
            [
                "valgrind",
                "--tool=callgrind",
                "--callgrind-out-file=/dev/null",
                sys.executable,
                __file__,
                "--loop",
                mode,
                str(n),
            ],
            env={**os.environ, **env},
            capture_output=True,
            text=True,
            timeout=1800,
        )
        found = re.search(r"Collected : (\d+)", done.stderr)
        if done.returncode or not found:
            raise RuntimeError(done.stderr[-3000:])
        totals.append(int(found.group(1)))
    return (totals[1] - totals[0]) / count


def scrape(rows, rounds=7):
    """Median ms of ``queue.depth()`` and of the ORM's GROUP BY, interleaved, on ``rows`` graded rows."""
    from _xqueue_hosts import recreate_database

    database = "sub_metrics_bench"
    recreate_database(database)
    os.environ.update(
        SUBMISSIONS_TEST_DB="postgres", SUBMISSIONS_TEST_DB_NAME=database, DJANGO_SETTINGS_MODULE="test_settings"
    )
    subprocess.run([sys.executable, "-m", "django", "migrate", "-v0"], cwd=ROOT, check=True, env=os.environ)
    import django

    django.setup()
    from django.db import connection
    from django.db.models import Count, Min
    from django.utils.timezone import now

    from submissions.external_grader import queue
    from submissions.external_grader.eligibility import eligible_q
    from submissions.external_grader.models import ExternalGraderDetail

    table = ExternalGraderDetail._meta.db_table
    with connection.cursor() as cursor:
        # Grader rows alone, without their submissions: the statements read this table only.
        cursor.execute("SELECT conname FROM pg_constraint WHERE conrelid = %s::regclass AND contype = 'f'", [table])
        for (constraint,) in cursor.fetchall():
            cursor.execute(f'ALTER TABLE "{table}" DROP CONSTRAINT "{constraint}"')
        cursor.execute(
            f"""INSERT INTO "{table}" (submission_id, queue_name, queue_key, grader_file_name, points_possible,
                status, status_time, created_at, num_failures, num_attempts, only_if_higher)
            SELECT g, 'queue-' || (g %% 8), 'k', '', 1,
                CASE WHEN g %% 500 = 0 THEN 'pending' WHEN g %% 500 = 1 THEN 'pulled'
                     WHEN g %% 500 = 2 THEN 'retry' ELSE 'retired' END,
                now() - (g || ' seconds')::interval, now() - (g || ' seconds')::interval, g %% 3, 1, false
            FROM generate_series(1, %s) g""",
            [rows],
        )
        cursor.execute(f'VACUUM ANALYZE "{table}"')

    def orm_group_by():
        moment = now()
        grouped = ExternalGraderDetail.objects.order_by().filter(status__in=queue.DEPTH_STATES)
        list(grouped.values("queue_name", "status").annotate(n=Count("pk")))
        eligible = grouped.filter(eligible_q(moment)).values("queue_name", "status")
        list(eligible.annotate(n=Count("pk"), oldest=Min("status_time")))

    candidates = {"queue.depth() (one statement)": queue.depth, "ORM GROUP BY (two statements)": orm_group_by}
    timings = {name: [] for name in candidates}
    for _ in range(rounds):
        for name, call in candidates.items():
            start = timeit.default_timer()
            call()
            timings[name].append((timeit.default_timer() - start) * 1000)
    waiting = sum(depth.rows for states in queue.depth().values() for depth in states.values())
    return waiting, {name: statistics.median(values) for name, values in timings.items()}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--instructions", action="store_true", help="count instructions with valgrind (slow)")
    parser.add_argument("--scrape-rows", type=int, default=0, help="graded rows for the scrape figure (PostgreSQL)")
    parser.add_argument("--per-call", nargs=1, help=argparse.SUPPRESS)  # child: one mode's per-call figures
    parser.add_argument("--loop", nargs=2, help=argparse.SUPPRESS)  # child of --instructions
    args = parser.parse_args()
    if args.loop:
        graded_loop(args.loop[0], int(args.loop[1]))
        return
    if args.per_call:
        for name, ns in per_call(args.per_call[0]).items():
            print(f"{name}\t{ns:.0f}")
        return

    directory = tempfile.mkdtemp(prefix="sub_metrics_mp_")
    try:
        columns = {
            "off": _child("--per-call", "off"),
            "on": _child("--per-call", "on"),
            "on, multiprocess": _child("--per-call", "on", env={"PROMETHEUS_MULTIPROC_DIR": directory}),
        }
        table = {mode: dict(line.split("\t") for line in done.stdout.splitlines()) for mode, done in columns.items()}
        print(f"ns per call (min of {REPEATS} x {CALLS:,} calls)")
        print(f"{'report':40} " + " ".join(f"{mode:>18}" for mode in table))
        for name in table["off"]:
            print(f"{name:40} " + " ".join(f"{table[mode][name]:>18}" for mode in table))
        if args.instructions:
            if not shutil.which("valgrind"):
                print("instructions: valgrind is not installed")
            else:
                print("instructions per graded submission (callgrind, 20,000 minus 0)")
                for mode, env_dir in (("off", None), ("on", None), ("on", directory)):
                    label = mode + (", multiprocess" if env_dir else "")
                    print(f"  {label:20} {instructions(mode, env_dir):,.0f}")
    finally:
        shutil.rmtree(directory, ignore_errors=True)
    if args.scrape_rows:
        waiting, timings = scrape(min(args.scrape_rows, 5_000_000))
        print(f"scrape: {args.scrape_rows:,} graded rows, {waiting:,} waiting; median ms of 7 interleaved runs")
        for name, value in timings.items():
            print(f"  {name:32} {value:8.1f}")


if __name__ == "__main__":
    main()
