"""
Pull speed and query plan of the grader queue at a million rows (not a test; prints figures).

    SUBMISSIONS_TEST_DB=postgres|mysql SUBMISSIONS_TEST_DB_NAME=sub_queue_bench \\
        python bench/queue_pull.py [--rows 1000000] [--pending 100000] [--pulls 200]

It migrates the database named by SUBMISSIONS_TEST_DB_NAME (created if missing; not a test_
database), fills it once with ``--rows`` grader rows in queue ``bench`` (all but ``--pending`` of
them retired, like a long-lived queue) plus the same number in queue ``other``, prints the plans
of the queries of one pull and times ``--pulls`` pulls, counting queries per pull.
"""

import argparse
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "test_settings")


def ensure_database():
    engine = os.environ.get("SUBMISSIONS_TEST_DB", "sqlite")
    name = os.environ["SUBMISSIONS_TEST_DB_NAME"]
    if engine == "postgres":
        import psycopg

        with psycopg.connect("host=127.0.0.1 user=postgres dbname=postgres", autocommit=True) as conn:
            if not conn.execute("SELECT 1 FROM pg_database WHERE datname=%s", [name]).fetchone():
                conn.execute(f'CREATE DATABASE "{name}"')
    elif engine == "mysql":
        import MySQLdb

        conn = MySQLdb.connect(host="127.0.0.1", user="root", passwd="")
        conn.cursor().execute(f"CREATE DATABASE IF NOT EXISTS `{name}` CHARACTER SET utf8mb4")
        conn.close()


def fill(rows, pending):
    from django.db import connection

    from submissions.models import ExternalGraderDetail

    if ExternalGraderDetail.objects.filter(queue_name="bench").count() >= rows:
        return
    print(f"filling {rows} rows per queue ...", flush=True)
    started = time.monotonic()
    with connection.cursor() as cur:
        cur.execute(
            "INSERT INTO submissions_studentitem (student_id, course_id, item_id, item_type) "
            "VALUES ('bench', 'course-v1:B+B+B', 'bench-item', 'problem')"
        )
        item_id = cur.lastrowid if connection.vendor == "mysql" else None
        if item_id is None:
            cur.execute("SELECT max(id) FROM submissions_studentitem")
            item_id = cur.fetchone()[0]
        series = "generate_series(1, %s) AS s(n)" if connection.vendor == "postgresql" else "seq_1_to_%s AS s"
        number = "n" if connection.vendor == "postgresql" else "seq"
        uuid = "gen_random_uuid()" if connection.vendor == "postgresql" else "uuid()"
        now = "now()" if connection.vendor == "postgresql" else "utc_timestamp(6)"
        if connection.vendor == "mysql":
            uuid = "replace(uuid(), '-', '')" if _uuid_is_char(cur) else "uuid()"
        for queue_name in ("bench", "other"):
            cur.execute("SELECT coalesce(max(id), 0) FROM submissions_submission")
            base = cur.fetchone()[0]
            cur.execute(
                f"INSERT INTO submissions_submission (uuid, student_item_id, attempt_number, submitted_at, "
                f"created_at, raw_answer, status) SELECT {uuid}, {item_id}, {number}, {now}, {now}, '\"x\"', 'A' "
                f"FROM {series % rows}"
            )
            # grader rows join the submissions just made; attempt_number is the series number
            status = f"CASE WHEN attempt_number > {rows - pending} THEN 'pending' ELSE 'retired' END"
            age = (
                f"{now} - ({rows} - attempt_number) * interval '1 millisecond'"
                if connection.vendor == "postgresql"
                else f"{now} - interval ({rows} - attempt_number) * 1000 microsecond"
            )
            cur.execute(
                "INSERT INTO submissions_externalgraderdetail (submission_id, queue_name, queue_key, "
                "grader_file_name, points_possible, status, status_time, created_at, num_failures, num_attempts) "
                f"SELECT id, '{queue_name}', 'k', '', 1, {status}, {age}, {age}, 0, 0 "
                f"FROM submissions_submission WHERE id > {base}"
            )
        if connection.vendor == "postgresql":
            cur.execute("ANALYZE")
        else:
            cur.execute("ANALYZE TABLE submissions_externalgraderdetail, submissions_submission")
    print(f"filled in {time.monotonic() - started:.0f} s", flush=True)


def _uuid_is_char(cur):
    cur.execute(
        "SELECT data_type FROM information_schema.columns WHERE table_schema = database() "
        "AND table_name = 'submissions_submission' AND column_name = 'uuid'"
    )
    return cur.fetchone()[0] in ("char", "varchar")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--pending", type=int, default=100_000)
    parser.add_argument("--pulls", type=int, default=200)
    args = parser.parse_args()
    ensure_database()
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from submissions.external_grader import queue

    call_command("migrate", verbosity=0)
    fill(args.rows, args.pending)
    timings, counts = [], []
    plans = []
    for index in range(args.pulls):
        with CaptureQueriesContext(connection) as ctx:
            started = time.perf_counter()
            row = queue.pull("bench")
            timings.append((time.perf_counter() - started) * 1000)
        assert row is not None
        statements = [
            q["sql"]
            for q in ctx.captured_queries
            if not q["sql"].startswith(("SAVEPOINT", "RELEASE", "BEGIN", "COMMIT"))
        ]
        counts.append(len(statements))
        if index == 0:
            plans = statements
    with connection.cursor() as cur:
        for sql in plans:
            print("QUERY", sql[:200])
        for sql in plans:
            if "SELECT" in sql[:10]:
                cur.execute(("EXPLAIN ANALYZE " if connection.vendor == "postgresql" else "EXPLAIN ") + sql)
                print("\nEXPLAIN", sql[:160], "...")
                for line in cur.fetchall():
                    print("   ", " | ".join(str(col) for col in line))
    started = time.perf_counter()
    length = queue.queue_length("bench")
    length_ms = (time.perf_counter() - started) * 1000
    print(
        f"\n{connection.vendor}: {args.rows} rows/queue ({args.pending} pending), {args.pulls} pulls: "
        f"median {statistics.median(timings):.2f} ms, p95 {sorted(timings)[int(len(timings) * 0.95)]:.2f} ms, "
        f"queries/pull max {max(counts)}; queue_length={length} in {length_ms:.0f} ms"
    )


if __name__ == "__main__":
    main()
