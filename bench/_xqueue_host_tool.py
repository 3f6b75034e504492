"""
Helper of ``bench/xqueue_throughput.py``, run by the Python of the host under test (this library, or
edx-submissions 4.0.2 in its own virtualenv) with that host's ``DJANGO_SETTINGS_MODULE``:

    python _xqueue_host_tool.py setup N QUEUE PASSWORD   # migrate, grader account, N submissions in QUEUE
    python _xqueue_host_tool.py queries K                 # query counts of K get_submission + put_result requests

Prints one JSON object on stdout. Only public APIs of each package are used, so the same file
drives both.
"""

import json
import re
import statistics
import sys

import django

django.setup()

from django.contrib.auth.models import Group, User  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

try:  # this library
    from submissions.external_grader.queue import create_external_grader_detail
except ImportError:  # edx-submissions 4.x
    from submissions.api import create_external_grader_detail

GRADER = "bench-grader"


def _grader(password):
    user, _ = User.objects.get_or_create(username=GRADER)
    try:
        from submissions.external_grader.hashers import set_grader_password

        set_grader_password(user, password)
    except ImportError:
        user.set_password(password)
        user.save()
    user.groups.add(Group.objects.get_or_create(name="xqueue")[0])
    return user


TRANSACTION_CONTROL = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE SAVEPOINT")


#: Where one call carries several statements (this library's batched writes on PostgreSQL).
NEXT_STATEMENT = re.compile(r";\s+(?=(?:INSERT|UPDATE|DELETE|SELECT|WITH)\b)")


def work(captured):
    """The calls that do work: transaction control (BEGIN, SAVEPOINT, ...) not counted."""
    return [query["sql"] for query in captured.captured_queries if not query["sql"].startswith(TRANSACTION_CONTROL)]


def statements(captured):
    """Statements that do work, each statement of a multi-statement call counted."""
    return sum(len(NEXT_STATEMENT.split(sql)) for sql in work(captured))


def counts(captured):
    """Of one capture: statements doing work, the calls carrying them, and every call (BEGIN/COMMIT included)."""
    return {"": statements(captured), "_calls": len(work(captured)), "_with_tx_control": len(captured.captured_queries)}


def medians(name, samples):
    """``{name + suffix: median}`` of :func:`counts` samples."""
    return {name + suffix: statistics.median(sample[suffix] for sample in samples) for suffix in samples[0]}


def enqueue(count, queue, prefix):
    for n in range(count):
        item = {
            "student_id": f"{prefix}-s{n}",
            "course_id": "course-v1:bench+x+1",
            "item_id": f"{prefix}-i{n}",
            "item_type": "problem",
        }
        create_external_grader_detail(item, f"answer {n % 5}", queue, f"{prefix}-lms-{n}", "grade.py", 4)


def setup(count, queue, password):
    call_command("migrate", verbosity=0)
    _grader(password)
    enqueue(count, queue, "load")
    return {"created": count}


def queries(count):
    queue = "bench-queries"
    enqueue(count, queue, "q")
    client = Client()
    client.force_login(User.objects.get(username=GRADER))
    pulls, puts = [], []
    for _ in range(count):
        with CaptureQueriesContext(connection) as pulled:
            response = client.get("/xqueue/get_submission/", {"queue_name": queue})
        content = json.loads(json.loads(response.content)["content"])
        body = json.dumps({"correct": True, "score": 1.0, "msg": "<p>ok</p>"})
        with CaptureQueriesContext(connection) as put:
            answer = client.post(
                "/xqueue/put_result/", {"xqueue_header": content["xqueue_header"], "xqueue_body": body}
            )
        assert answer.status_code == 200, answer.content
        pulls.append(counts(pulled))
        puts.append(counts(put))
    result = {**medians("request_get_submission", pulls), **medians("request_put_result", puts)}
    try:  # the service calls alone (this library only)
        from submissions.external_grader import queue as service
    except ImportError:
        return result
    enqueue(count, queue, "svc")
    service_pulls, service_puts = [], []
    for _ in range(count):
        with CaptureQueriesContext(connection) as pulled:
            row = service.pull(queue)
        with CaptureQueriesContext(connection) as put:
            service.put_result(row.submission_id, row.pullkey, json.dumps({"correct": True, "score": 1, "msg": ""}))
        service_pulls.append(counts(pulled))
        service_puts.append(counts(put))
    result.update(medians("service_pull", service_pulls), **medians("service_put_result", service_puts))
    # The statements themselves, once, for the report.
    enqueue(1, queue, "show")
    with CaptureQueriesContext(connection) as pulled:
        row = service.pull(queue)
    with CaptureQueriesContext(connection) as put:
        service.put_result(row.submission_id, row.pullkey, json.dumps({"correct": True, "score": 1, "msg": ""}))
    result["service_pull_sql"] = [q["sql"][:160] for q in pulled.captured_queries]
    result["service_put_result_sql"] = [q["sql"][:160] for q in put.captured_queries]
    return result


if __name__ == "__main__":
    command = sys.argv[1]
    if command == "setup":
        output = setup(int(sys.argv[2]), sys.argv[3], sys.argv[4])
    elif command == "queries":
        output = queries(int(sys.argv[2]))
    else:
        raise SystemExit(f"unknown command {command!r}")
    print(json.dumps(output))
