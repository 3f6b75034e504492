"""
The grader client and workers against the library's real XQueue endpoints in a live server.

Submissions are created with ``create_external_grader_detail`` (as the LMS does), pulled over HTTP by the
reference grader, graded in the real sandbox and posted back; the scores land in the database.
"""

import json
import signal
import threading
import time

import pytest
from django.db import connection

from submissions import api
from submissions.external_grader.grader.client import (
    LoginError,
    QueueNotFoundError,
    XQueueClient,
)
from submissions.external_grader.grader.probe import probe
from submissions.external_grader.grader.worker import GraderConfig, Supervisor
from submissions.external_grader.models import ExternalGraderDetail

from .conftest import TEST_SLOT_UID_BASE
from .live import PASSWORD, QUEUE, json_logs, running, start_grader, status, submit
from .programs import BROKEN, PRODUCT, SUM, SUM_TESTS

pytestmark = pytest.mark.django_db(transaction=True)


def _client(live_server, password=PASSWORD):
    return XQueueClient(live_server.url, "livegrader", password, timeout=10)


def _grade_until_empty(live_server, isolation, timeout):
    """Run two grader workers against the live server until the queue is empty; returns the supervisor."""
    config = GraderConfig(
        server=live_server.url,
        queue=QUEUE,
        username="livegrader",
        password=PASSWORD,
        workers=2,
        poll_interval=0.2,
        exit_when_empty=True,
        slot_uid_base=TEST_SLOT_UID_BASE,
    )
    supervisor = Supervisor(config, isolation)
    runner = threading.Thread(target=supervisor.run, daemon=True)
    runner.start()
    runner.join(timeout)
    assert not runner.is_alive(), "grader did not finish"
    return supervisor


@pytest.fixture
def isolation():
    report = probe(slot_uid_base=TEST_SLOT_UID_BASE)
    if report.level == "none":
        pytest.skip("detected isolation level is 'none': learner code is not run in tests")
    return report


def test_login_handshake_and_protocol_calls(live_server, grader_account):
    detail = submit(1, "python", SUM["python"])
    client = _client(live_server)
    client.login()
    assert "X-CSRFToken" in client.headers and client.headers["Referer"] == client.server
    assert client.status() is True
    assert client.get_queuelen(QUEUE) == 1
    item = client.get_submission(QUEUE)
    assert item.submission_id == detail.submission_id
    assert isinstance(item.raw_header, str) and json.loads(item.raw_header)["submission_key"]
    assert json.loads(item.body["grader_payload"])["language"] == "python"
    assert item.body["student_response"] == SUM["python"]
    assert client.get_submission(QUEUE) is None  # empty now
    reply = {"correct": True, "score": 1.0, "msg": "<p>ok</p>"}
    assert client.put_result(item, reply) is True
    assert client.put_result(item, reply) is True  # exact duplicate: accepted as a no-op
    assert client.put_result(item, {**reply, "score": 0.5}) is False  # retired row: rejected, not retried
    assert status(detail) == "retired"
    assert api.get_latest_score_for_submission(detail.submission.uuid)["points_earned"] == 3


def test_unknown_queue_and_bad_password(live_server, grader_account):
    client = _client(live_server)
    client.login()
    with pytest.raises(QueueNotFoundError):
        client.get_submission("no-such-queue")
    with pytest.raises(LoginError):
        _client(live_server, password="wrong").login()


def test_session_loss_triggers_one_relogin(live_server, grader_account):
    submit(2, "python", SUM["python"])
    client = _client(live_server)
    client.login()
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM django_session")  # the server forgets every session
    item = client.get_submission(QUEUE)
    assert item is not None
    assert client.logins == 2


def test_late_reply_after_reserve_is_rejected(live_server, grader_account, settings):
    settings.SUBMISSIONS = {"PROCESSING_DELAY": 0}
    submit(3, "python", SUM["python"])
    first, second = _client(live_server), _client(live_server)
    first.login()
    second.login()
    stale = first.get_submission(QUEUE)
    fresh = second.get_submission(QUEUE)  # re-served at once (delay 0) with a new key
    assert fresh is not None and fresh.submission_id == stale.submission_id
    reply = {"correct": False, "score": 0.0, "msg": "late"}
    assert first.put_result(stale, reply) is False
    assert second.put_result(fresh, {"correct": True, "score": 1.0, "msg": "ok"}) is True


def test_workers_grade_every_language_end_to_end(live_server, grader_account, isolation):
    expected = {}
    cases = [
        ("python", SUM, 3),
        ("javascript", SUM, 3),
        ("java", SUM, 3),
        ("c", PRODUCT, 2),
        ("cpp", BROKEN, 0),
        ("python", BROKEN, 0),
        ("c", SUM, 3),
    ]
    for index, (language, sources, points) in enumerate(cases, 10):
        detail = submit(index, language, sources[language])
        expected[detail.submission_id] = points
    supervisor = _grade_until_empty(live_server, isolation, timeout=120)
    stats = supervisor.stats.as_dict()
    assert stats["graded"] == len(cases) and stats["posted"] == len(cases), stats
    for detail in ExternalGraderDetail.objects.filter(queue_name=QUEUE):
        assert detail.status == "retired", detail
        score = api.get_latest_score_for_submission(detail.submission.uuid)
        assert score["points_earned"] == expected[detail.submission_id], (detail.grader_reply, score)
        reply = json.loads(detail.grader_reply)
        assert set(reply) == {"correct", "score", "msg", "results", "compile_output", "compile_failed"}
        # the per-case results travel through the server to the host with the rest of the reply
        assert sum(entry["earned"] for entry in reply["results"]) == expected[detail.submission_id]  # 3 points in all


def test_sigterm_finishes_the_item_in_hand(live_server, grader_account, isolation):
    source = "import time\ntime.sleep(2.5)\na, b = map(int, input().split())\nprint(a + b)\n"
    detail = submit(30, "python", source, tests=SUM_TESTS[:1], points=1)
    proc = start_grader(live_server.url)
    with running(proc):
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if status(detail) == "pulled":
                break
            time.sleep(0.05)
        assert status(detail) == "pulled"
        proc.send_signal(signal.SIGTERM)
        _, stderr = proc.communicate(timeout=30)
    assert proc.returncode == 0, stderr
    assert status(detail) == "retired"
    logs = json_logs(stderr)
    assert any(entry["msg"] == "graded" and entry["posted"] for entry in logs), stderr
    assert all(entry["level"] in ("debug", "info", "warning", "error", "critical") for entry in logs)
    assert any(entry["msg"] == "sandbox" and entry["field_level"] == isolation.level for entry in logs)
    assert PASSWORD not in stderr
    assert "submission_key" not in stderr


HOSTILE = {
    "fork_bomb": (
        "import os, time\nn = 0\nfor _ in range(3000):\n    try:\n        pid = os.fork()\n    except OSError:\n"
        "        break\n    if pid == 0:\n        time.sleep(2)\n        os._exit(0)\n    n += 1\n"
        "print('bounded' if n < 64 else 'unbounded')\n",
        "bounded\n",
        None,
    ),
    "memory_hog": ("x = []\nwhile True:\n    x.append(b'm' * (1 << 20))\n", "", "Memory limit exceeded"),
    "output_flood": ("import sys\nwhile True:\n    sys.stdout.write('f' * 65536)\n", "", "Output limit exceeded"),
    "sleeper": ("import time\ntime.sleep(60)\n", "", "Time limit exceeded"),
    "disk_filler": (
        "i = 0\nwhile True:\n    open(f'fill{i}', 'wb').write(b'd' * (4 << 20))\n    i += 1\n",
        "",
        "Disk limit exceeded",
    ),
    "spinner": ("while True:\n    pass\n", "", "Time limit exceeded"),
    "secret_reader": (
        "try:\n    print(open(__SECRET__).read())\nexcept OSError:\n    print('hidden')\n",
        "hidden\n",
        None,
    ),
    "network": (
        "import socket\ns = socket.socket()\ns.settimeout(2)\n"
        "try:\n    s.connect(('127.0.0.1', __PORT__))\n    print('connected')\nexcept OSError:\n    print('blocked')\n",
        "blocked\n",
        None,
    ),
}


def test_hostile_submissions_are_contained_and_grading_continues(live_server, grader_account, isolation, tmp_path):
    """Every hostile program gets a clear verdict through the whole system, and a correct one is still graded."""
    if isolation.level != "full":
        pytest.skip(f"network and filesystem containment need level 'full'; detected level is {isolation.level!r}")
    import socket

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(4)
    listener.setblocking(False)
    secret = tmp_path / "host-secret.txt"
    secret.write_text("TOP SECRET")
    secret.chmod(0o644)
    details = {}
    try:
        for index, (name, (source, expected, _)) in enumerate(HOSTILE.items(), 40):
            source = source.replace("__PORT__", str(listener.getsockname()[1])).replace("__SECRET__", repr(str(secret)))
            tests = [{"stdin": "", "expected_stdout": expected, "points": 1}]
            details[name] = submit(
                index,
                "python",
                source,
                tests=tests,
                points=1,
                limits={"cpu_seconds": 1, "wall_seconds": 3, "memory_mb": 128},
            )
        details["afterwards"] = submit(60, "python", SUM["python"])
        _grade_until_empty(live_server, isolation, timeout=180)
        with pytest.raises(BlockingIOError):
            listener.accept()
    finally:
        listener.close()
    for name, detail in details.items():
        row = ExternalGraderDetail.objects.get(pk=detail.pk)
        assert row.status == "retired", (name, row.status)
        reply = json.loads(row.grader_reply)
        if name == "afterwards":
            assert reply["correct"] is True and reply["score"] == 1.0
            continue
        _, _, message = HOSTILE[name]
        if message:
            assert reply["score"] == 0 and message in reply["msg"], (name, reply["msg"][:500])
        else:
            assert reply["correct"] is True, (name, reply["msg"][:800])
    assert "TOP SECRET" not in "".join(ExternalGraderDetail.objects.values_list("grader_reply", flat=True))
