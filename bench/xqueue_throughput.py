"""
Throughput of the XQueue grader interface under a real WSGI server (prints figures; not a test).

    python bench/xqueue_throughput.py --n 150 --rounds 3 --clients 8 --compare

What it does, bounded in count and time:

1. Builds a PostgreSQL database (``sub_xq_bench``), migrates it, creates a grader account (fast grader
   hasher) and N submissions, and serves the app with ``gunicorn -w 2`` on 127.0.0.1.
2. Login latency: rounds of 8 concurrent logins (the watcher's 1 s timeout is the budget).
3. Load: W protocol-faithful clients (``tests/external_grader/xqueue/client.py``) in threads log in,
   then (clock started once all are logged in: the steady state, whatever N is) pull and answer until
   all N are graded; graded/s and p50/p95 per endpoint.
4. Queries per get_submission and per put_result (whole request and the service call alone), counted
   in-process with ``CaptureQueriesContext``.
5. Pull latency with 10^3, 10^5 and 10^6 queued rows (rows inserted with ``INSERT ... SELECT
   generate_series``), median of pulls through the service.
6. ``--compare``: the same load against edx-submissions 4.0.2 from PyPI, installed in a separate
   virtualenv with a tiny host project (its ``submissions.urls`` under ``xqueue/``, group ``xqueue``),
   and the ratio.
"""

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

from _xqueue_hosts import PYTHON, TOOL, CpuMeter, Host, edx_host, our_host, recreate_database  # noqa: E402

from tests.external_grader.xqueue.client import XQueueClient  # noqa: E402

QUEUE = "bench"
PASSWORD = "bench-grader-secret-0123456789abcdef"
LOAD_TIME_LIMIT = 300
DEPTH_TIME_LIMIT = 600


def percentile(values, q):
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))]


def ms(seconds):
    return f"{seconds * 1000:.1f} ms"


def measure_logins(url, rounds, timeout):
    """``rounds`` rounds of 8 logins started together; returns the latencies and failures."""
    latencies, failures = [], 0
    for _ in range(rounds):
        clients = [XQueueClient(url, "bench-grader", PASSWORD, timeout=timeout) for _ in range(8)]
        barrier = threading.Barrier(8)
        results = [None] * 8

        def run(index, clients=clients, barrier=barrier, results=results):
            barrier.wait()
            start = time.perf_counter()
            try:
                ok = clients[index].login()
            except requests.RequestException:
                ok = False
            results[index] = (ok, time.perf_counter() - start)

        threads = [threading.Thread(target=run, args=(i,)) for i in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        for result in results:
            if result is None or not result[0]:
                failures += 1
            else:
                latencies.append(result[1])
        for client in clients:
            client.close()
    return latencies, failures


def measure_sequential_logins(url, count, timeout):
    """``count`` logins one after another (no concurrency): the cost of one login handshake."""
    latencies = []
    for _ in range(count):
        client = XQueueClient(url, "bench-grader", PASSWORD, timeout=timeout)
        start = time.perf_counter()
        if client.login():
            latencies.append(time.perf_counter() - start)
        client.close()
    return latencies


def run_load(url, total, workers, meter=None):
    """
    W clients grade ``total`` submissions of QUEUE; returns graded/s and per-endpoint latencies.

    Every client logs in first; the clock starts when all have (a barrier), so graded/s is the steady
    state of the grading loop and does not depend on how many submissions a round has. The logins'
    wall time is reported apart (``login_seconds``). ``meter`` (a ``CpuMeter``) is marked at the start
    and read at the end, giving the CPU per graded submission of the workers, PostgreSQL and the clients.
    """
    lock = threading.Lock()
    state = {"graded": 0, "errors": 0, "statuses": {}}
    latencies = {"get_submission": [], "put_result": []}
    clock = {}

    def start_clock():  # runs once, before any thread is released: every client sees the same start
        if meter is not None:
            meter.mark()
        clock["start"] = time.perf_counter()

    logged_in = threading.Barrier(workers + 1, action=start_clock)

    def worker():
        client = XQueueClient(url, "bench-grader", PASSWORD, timeout=10)
        try:
            ok = client.login()
        except requests.RequestException:
            ok = False
        if not ok:
            with lock:
                state["errors"] += 1
        try:
            logged_in.wait(60)
        except threading.BrokenBarrierError:
            return
        if not ok:
            return
        deadline = clock["start"] + LOAD_TIME_LIMIT
        idle = 0
        while time.perf_counter() < deadline:
            with lock:
                if state["graded"] >= total:
                    break
            start = time.perf_counter()
            try:
                reply, content = client.get_submission(QUEUE)
            except requests.RequestException:
                with lock:
                    state["errors"] += 1
                continue
            elapsed = time.perf_counter() - start
            with lock:
                latencies["get_submission"].append(elapsed)
                state["statuses"][reply.status] = state["statuses"].get(reply.status, 0) + 1
            if content is None:
                idle += 1
                if idle > 50:
                    break
                time.sleep(0.01)
                continue
            idle = 0
            digit = int(json.loads(content["xqueue_body"])["student_response"].split()[-1])
            result = {"correct": digit == 4, "score": digit / 4, "msg": f"<p>{digit}/4</p>"}
            start = time.perf_counter()
            try:
                put = client.put_result(content["xqueue_header"], result)
            except requests.RequestException:
                with lock:
                    state["errors"] += 1
                continue
            elapsed = time.perf_counter() - start
            with lock:
                latencies["put_result"].append(elapsed)
                state["statuses"][put.status] = state["statuses"].get(put.status, 0) + 1
                if put.ok:
                    state["graded"] += 1
        client.close()

    threads = [threading.Thread(target=worker) for _ in range(workers)]
    login_start = time.perf_counter()
    for thread in threads:
        thread.start()
    logged_in.wait(60)
    start = clock["start"]
    for thread in threads:
        thread.join(LOAD_TIME_LIMIT + 30)
    elapsed = time.perf_counter() - start
    cpu = meter.since_mark() if meter is not None else {}
    return {
        "graded": state["graded"],
        "cpu": cpu,
        "seconds": elapsed,
        "login_seconds": start - login_start,
        "graded_per_s": state["graded"] / elapsed,
        "errors": state["errors"],
        "statuses": state["statuses"],
        "latencies": latencies,
    }


def report_load(label, load, logins, login_failures, queries):
    print(f"\n== {label} ==")
    print(
        f"graded {load['graded']} in {load['seconds']:.2f} s: {load['graded_per_s']:.1f} graded/s"
        f" (the clients' logins before the clock started: {load['login_seconds']:.2f} s in all)"
    )
    print(
        f"graded/s counting the clients' logins in the time (as the first benchmark did): "
        f"{load['graded_per_s_with_logins']:.1f}"
    )
    if load["cpu_per_graded"]:
        parts = ", ".join(f"{name} {seconds * 1000:.2f} ms" for name, seconds in load["cpu_per_graded"].items())
        print(f"CPU per graded submission: {parts}")
    print(f"statuses {load['statuses']}, client errors {load['errors']}")
    for endpoint, values in load["latencies"].items():
        print(f"{endpoint:15s} p50 {ms(percentile(values, 50))}  p95 {ms(percentile(values, 95))}  (n={len(values)})")
    print(
        f"login (8 concurrent) p50 {ms(percentile(logins, 50))}  p95 {ms(percentile(logins, 95))}"
        f"  max {ms(max(logins) if logins else float('nan'))}  failures {login_failures}"
    )
    # <name>: statements doing work; <name>_calls: the calls carrying them (one call may carry several);
    # <name>_with_tx_control: every call, BEGIN/COMMIT/SAVEPOINT included.
    for key, value in queries.items():
        if not key.endswith("_sql"):
            print(f"statements {key}: {value}")


def prepare_host(host, args):
    """Database, grader account, ``n × rounds`` submissions, query counts."""
    # A round can grade up to clients - 1 more than n (answers in flight): spares keep later rounds fed.
    total = (args.n + args.clients) * args.rounds
    # All of them are queued up front: the first round starts with a backlog of ``total`` rows, the last with
    # ``total / rounds``. edx-submissions' pull sorts every pending row of the queue, so its graded/s falls
    # as the backlog grows (ours reads the oldest rows from an index): --n sets the backlog too.
    print(f"\n-- {host.label}: database, {total} submissions queued up front ...", flush=True)
    host.tool("setup", total, QUEUE, PASSWORD)
    return host.tool("queries", args.query_samples)


def measure_host_logins(host, args):
    host.start()
    try:
        logins, failures = measure_logins(host.url, args.login_rounds, timeout=30)
        sequential = measure_sequential_logins(host.url, 20, timeout=30)
    finally:
        host.stop()
    return logins, failures, sequential


def load_round(host, args):
    host.start()
    try:
        return run_load(host.url, args.n, args.clients, meter=CpuMeter(host))
    finally:
        host.stop()


def merge_loads(loads):
    merged = {"graded": 0, "seconds": 0.0, "login_seconds": 0.0, "errors": 0, "statuses": {}, "latencies": {}}
    for load in loads:
        merged["graded"] += load["graded"]
        merged["seconds"] += load["seconds"]
        merged["login_seconds"] += load["login_seconds"]
        merged["errors"] += load["errors"]
        for status, count in load["statuses"].items():
            merged["statuses"][status] = merged["statuses"].get(status, 0) + count
        for endpoint, values in load["latencies"].items():
            merged["latencies"].setdefault(endpoint, []).extend(values)
    merged["graded_per_s"] = merged["graded"] / merged["seconds"] if merged["seconds"] else 0.0
    with_logins = merged["seconds"] + merged["login_seconds"]
    merged["graded_per_s_with_logins"] = merged["graded"] / with_logins if with_logins else 0.0
    cpu = {}
    for load in loads:
        for name, seconds in load.get("cpu", {}).items():
            cpu[name] = cpu.get(name, 0.0) + seconds
    graded = merged["graded"]
    merged["cpu_per_graded"] = {name: seconds / graded for name, seconds in cpu.items()} if graded else {}
    merged["rounds"] = [round(load["graded_per_s"], 1) for load in loads]
    return merged


def pull_depth(db_name, sizes, samples):
    """Median pull latency (service call, in-process) with ``size`` rows queued, for each size."""
    os.environ.update(
        {"DJANGO_SETTINGS_MODULE": "xqueue_host_settings", "BENCH_DB_NAME": db_name, "SUBMISSIONS_TEST_DB": "postgres"}
    )
    sys.path.insert(0, str(ROOT / "bench"))
    import django

    django.setup()
    from django.db import connection

    from submissions.external_grader import queue as service

    queue = "bench-depth"
    results = {}
    queued = 0
    started = time.monotonic()
    for size in sizes:
        if time.monotonic() - started > DEPTH_TIME_LIMIT:
            print(f"pull depth: time limit reached before {size} rows")
            break
        t0 = time.perf_counter()
        with connection.cursor() as cursor:
            # One student item per row (unique item per learner), inserted set-wise; created_at spreads the
            # rows over the past so the oldest are served first.
            cursor.execute(
                """
                WITH items AS (
                    INSERT INTO submissions_studentitem (student_id, course_id, item_id, item_type)
                    SELECT 'depth-' || g, 'course-v1:bench+depth+1', 'depth-item-' || g, 'problem'
                    FROM generate_series(%s, %s) AS g
                    RETURNING id
                ), subs AS (
                    INSERT INTO submissions_submission
                        (uuid, student_item_id, attempt_number, submitted_at, created_at, raw_answer, status)
                    SELECT gen_random_uuid(), id, 1, now(), now(), '"answer 1"', 'A' FROM items
                    RETURNING id, student_item_id
                )
                INSERT INTO submissions_externalgraderdetail
                    (submission_id, queue_name, queue_key, grader_file_name, points_possible, status, status_time,
                     created_at, num_failures, num_attempts, only_if_higher)
                SELECT id, %s, 'depth-key-' || id, 'grade.py', 1, 'pending',
                       now() - (student_item_id || ' milliseconds')::interval,
                       now() - interval '1 day' + (student_item_id || ' milliseconds')::interval, 0, 0, false
                FROM subs
                """,
                [queued + 1, size, queue],
            )
            cursor.execute("ANALYZE submissions_externalgraderdetail")
        queued = size
        insert_seconds = time.perf_counter() - t0
        for _ in range(3):  # warm caches and plans
            service.pull(queue)
        timings = []
        for _ in range(samples):
            t = time.perf_counter()
            row = service.pull(queue)
            timings.append(time.perf_counter() - t)
            assert row is not None
        results[size] = statistics.median(timings)
        print(
            f"pull with {size:>9,} queued rows: median {ms(results[size])}  p95 {ms(percentile(timings, 95))}"
            f"  (insert took {insert_seconds:.1f} s)",
            flush=True,
        )
    return results


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=150, help="submissions graded per host and round")
    parser.add_argument("--rounds", type=int, default=3, help="load rounds per host, alternating between hosts")
    parser.add_argument("--clients", type=int, default=8, help="concurrent protocol clients")
    parser.add_argument("--login-rounds", type=int, default=10, help="rounds of 8 concurrent logins")
    parser.add_argument("--query-samples", type=int, default=10)
    parser.add_argument("--depths", default="1000,100000,1000000", help="queued rows for the pull latency")
    parser.add_argument("--depth-samples", type=int, default=50)
    parser.add_argument("--no-depth", action="store_true")
    parser.add_argument("--compare", action="store_true", help="also run edx-submissions 4.0.2 from PyPI")
    parser.add_argument("--db", default="sub_xq_bench", help="database name prefix")
    parser.add_argument("--threads", type=int, default=1, help="threads per gunicorn worker (>1: gthread)")
    args = parser.parse_args()
    Host.threads = max(1, min(args.threads, 16))
    args.n = min(args.n, 20000)
    args.rounds = max(1, min(args.rounds, 10))
    args.clients = min(args.clients, 64)

    ours_db, edx_db, depth_db = args.db, f"{args.db}_edx", f"{args.db}_depth"
    recreate_database(ours_db)
    hosts = {"ours": our_host(ours_db)}
    workdir = Path(tempfile.mkdtemp(prefix="sub_xq_edx_host_"))
    try:
        if args.compare:
            recreate_database(edx_db)
            hosts["edx"] = edx_host(edx_db, workdir)
        queries = {key: prepare_host(host, args) for key, host in hosts.items()}
        logins = {key: measure_host_logins(host, args) for key, host in hosts.items()}
        # Rounds alternate between the hosts so that the load of this shared machine hits both alike.
        loads = {key: [] for key in hosts}
        for number in range(args.rounds):
            for key, host in hosts.items():
                load = load_round(host, args)
                loads[key].append(load)
                print(f"round {number + 1} {host.label}: {load['graded_per_s']:.1f} graded/s", flush=True)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    results = {}
    for key, host in hosts.items():
        merged = merge_loads(loads[key])
        results[key] = merged
        report_load(host.label, merged, logins[key][0], logins[key][1], queries[key])
        print(f"graded/s per round: {merged['rounds']}")
        print(
            f"login (one at a time) p50 {ms(percentile(logins[key][2], 50))}  p95 {ms(percentile(logins[key][2], 95))}"
        )
    for label in ("service_pull_sql", "service_put_result_sql"):
        print(f"{label}:")
        for sql in queries["ours"].get(label, []):
            print(f"    {sql}")
    ours, ours_logins, ours_queries = results["ours"], logins["ours"][0], queries["ours"]

    if args.compare:
        edx, edx_logins, edx_queries = results["edx"], logins["edx"][0], queries["edx"]
        print("\n== comparison ==")
        ratio = ours["graded_per_s"] / edx["graded_per_s"] if edx["graded_per_s"] else float("inf")
        paired = sorted(a["graded_per_s"] / b["graded_per_s"] for a, b in zip(loads["ours"], loads["edx"], strict=True))
        print(
            f"graded/s: ours {ours['graded_per_s']:.1f}, edx-submissions {edx['graded_per_s']:.1f}, ratio {ratio:.2f}x"
            f" (per-round ratios, sorted: {[round(r, 2) for r in paired]})"
        )
        with_logins = ours["graded_per_s_with_logins"] / edx["graded_per_s_with_logins"]
        print(
            f"graded/s counting the clients' logins: ours {ours['graded_per_s_with_logins']:.1f}, "
            f"edx-submissions {edx['graded_per_s_with_logins']:.1f}, ratio {with_logins:.2f}x"
        )
        if ours["cpu_per_graded"] and edx["cpu_per_graded"]:
            server = ("workers", "postgres")
            ours_server = sum(ours["cpu_per_graded"][name] for name in server)
            edx_server = sum(edx["cpu_per_graded"][name] for name in server)
            print(
                f"server CPU (workers + PostgreSQL) per graded submission: ours {ours_server * 1000:.2f} ms, "
                f"edx {edx_server * 1000:.2f} ms, ratio {edx_server / ours_server:.2f}x"
            )
        for endpoint in ("get_submission", "put_result"):
            print(
                f"{endpoint} p50: ours {ms(percentile(ours['latencies'][endpoint], 50))}, "
                f"edx {ms(percentile(edx['latencies'][endpoint], 50))}"
            )
        print(f"login p95 (8 concurrent): ours {ms(percentile(ours_logins, 95))}, edx {ms(percentile(edx_logins, 95))}")
        print(
            f"statements per request get_submission/put_result: ours {ours_queries['request_get_submission']}/"
            f"{ours_queries['request_put_result']} (in {ours_queries['request_get_submission_calls']}/"
            f"{ours_queries['request_put_result_calls']} calls), edx {edx_queries['request_get_submission']}/"
            f"{edx_queries['request_put_result']}"
        )

    if not args.no_depth:
        print("\n== pull latency by queue depth (service call, PostgreSQL) ==", flush=True)
        recreate_database(depth_db)
        subprocess.run(
            [PYTHON, str(TOOL), "setup", "0", QUEUE, PASSWORD],
            env={**our_host(depth_db).env},
            check=True,
            capture_output=True,
        )
        sizes = [int(size) for size in args.depths.split(",")]
        depth = pull_depth(depth_db, sizes, args.depth_samples)
        if len(depth) >= 2:
            first, last = min(depth), max(depth)
            print(f"ratio {last:,} / {first:,} rows: {depth[last] / depth[first]:.2f}x (target <= 1.5x)")

    print("\n== targets ==")
    if args.compare:
        print(f"graded/s >= 2x edx-submissions (steady state): {ratio:.2f}x")
    print(f"login p95 <= 50 ms: {ms(percentile(ours_logins, 95))}")
    print(
        f"statements per get_submission <= 3 (service): {ours_queries.get('service_pull')}"
        f" (in {ours_queries.get('service_pull_calls')} calls), per put_result <= 8 (service):"
        f" {ours_queries.get('service_put_result')} (in {ours_queries.get('service_put_result_calls')} calls)"
    )


if __name__ == "__main__":
    main()
