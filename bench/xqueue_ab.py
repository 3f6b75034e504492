"""
A/B of the XQueue grader interface between two revisions of this library (prints figures; not a test).

    python bench/xqueue_ab.py --before 700fc6e [--after WORKTREE] --rounds 3 --login-rounds 40
    python bench/xqueue_ab.py --before HEAD --after-env BENCH_METRICS=1   # what switching metrics on costs

On a shared machine the load changes from minute to minute, so comparing figures of separate runs says
little. This serves both revisions at once (gunicorn, 2 workers each, PostgreSQL, the settings of
``bench/xqueue_host_settings.py``) and alternates between them: rounds of 8 concurrent logins, then load
rounds (8 protocol clients grading N submissions). ``--before`` is a git revision, exported with ``git
archive`` into a temporary directory; ``--after`` defaults to this working tree; ``--after-env`` sets variables
of the candidate's server only. Bounded in count and time like ``bench/xqueue_throughput.py``, whose helpers it
uses. The figure to read is the last line: server CPU per graded submission, after/before, paired by round.
"""

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

import xqueue_throughput as xt  # noqa: E402
from _xqueue_hosts import PYTHON, CpuMeter, Host, recreate_database  # noqa: E402


def export_revision(revision, directory):
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", revision], check=True, capture_output=True)
    subprocess.run(["tar", "-x", "-C", str(directory)], input=archive.stdout, check=True)


def make_host(label, root, db_name, extra_env=()):
    env = dict(
        os.environ,
        DJANGO_SETTINGS_MODULE="xqueue_host_settings",
        BENCH_DB_NAME=db_name,
        PYTHONPATH=f"{root}:{root / 'bench'}",
    )
    for setting in extra_env:
        name, _, value = setting.partition("=")
        env[name] = value
        if name == "PROMETHEUS_MULTIPROC_DIR":
            os.makedirs(value, exist_ok=True)
    return Host(label, PYTHON, env, root)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--before", required=True, help="git revision of the baseline")
    parser.add_argument("--after", default=str(ROOT), help="directory of the candidate (default: this tree)")
    parser.add_argument("--n", type=int, default=150)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--login-rounds", type=int, default=40, help="rounds of 8 concurrent logins per host")
    parser.add_argument("--db", default="sub_xq_ab")
    parser.add_argument(
        "--after-env",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="environment of the candidate's server only, e.g. BENCH_METRICS=1 (repeatable)",
    )
    args = parser.parse_args()
    args.n, args.rounds = min(args.n, 5000), max(1, min(args.rounds, 10))
    args.login_rounds = max(1, min(args.login_rounds, 200))

    workdir = Path(tempfile.mkdtemp(prefix="sub_xq_ab_"))
    try:
        export_revision(args.before, workdir)
        hosts = {}
        for label, root in (("before", workdir), ("after", Path(args.after))):
            db_name = f"{args.db}_{label}"
            recreate_database(db_name)
            extra_env = args.after_env if label == "after" else ()
            what = " ".join([args.before if label == "before" else str(root), *extra_env])
            hosts[label] = make_host(f"{label} ({what})", root, db_name, extra_env)
            hosts[label].tool("setup", (args.n + args.clients) * args.rounds, xt.QUEUE, xt.PASSWORD)
        logins = {key: [] for key in hosts}
        for host in hosts.values():
            host.start()
        try:
            for _ in range(args.login_rounds):
                for key, host in hosts.items():
                    latencies, _failures = xt.measure_logins(host.url, 1, timeout=30)
                    logins[key] += latencies
        finally:
            for host in hosts.values():
                host.stop()
        graded = {key: [] for key in hosts}
        server_cpu = {key: [] for key in hosts}  # workers + PostgreSQL, ms per graded submission
        for number in range(args.rounds):
            for key, host in hosts.items():
                host.start()
                try:
                    load = xt.run_load(host.url, args.n, args.clients, meter=CpuMeter(host))
                finally:
                    host.stop()
                graded[key].append(load["graded_per_s"])
                server_cpu[key].append(1000 * (load["cpu"]["workers"] + load["cpu"]["postgres"]) / load["graded"])
                print(
                    f"round {number + 1} {key}: {load['graded_per_s']:.1f} graded/s,"
                    f" server CPU {server_cpu[key][-1]:.2f} ms per graded",
                    flush=True,
                )
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    for key, host in hosts.items():
        values = logins[key]
        print(
            f"{host.label}: graded/s mean {statistics.mean(graded[key]):.1f} {[round(v, 1) for v in graded[key]]}; "
            f"server CPU per graded median {statistics.median(server_cpu[key]):.2f} ms; "
            f"login (8 concurrent) p50 {xt.ms(xt.percentile(values, 50))} p95 {xt.ms(xt.percentile(values, 95))}"
            f" (n={len(values)})"
        )
    ratios = [a / b for a, b in zip(graded["after"], graded["before"], strict=True)]
    print(f"graded/s after/before per round: {[round(r, 2) for r in ratios]}")
    cpu = [a / b for a, b in zip(server_cpu["after"], server_cpu["before"], strict=True)]
    print(
        f"server CPU per graded after/before: paired median {statistics.median(cpu):.3f},"
        f" rounds (sorted) {[round(r, 2) for r in sorted(cpu)]}"
    )


if __name__ == "__main__":
    main()
