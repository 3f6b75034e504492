"""
The grading handlers that the real xqueue-watcher imports by path in ``fleet.py``'s configurations (no Django
here: they run in the watcher's processes). Each submission's answer is ``"item N"``; its grade is ``N % 5``
points of 4. The watcher calls every handler of a queue in turn and posts each non-empty result, so:

* :func:`grade` records each hand-out, answers it, and abandons the first hand-out of every ``ABANDON_EVERY``-th
  item (answers nothing: its lease must expire and the item be handed out again);
* :func:`replay`, the second handler, returns :func:`grade`'s result again for every ``REPLAY_EVERY``-th item,
  so the watcher posts the same ``put_result`` twice.

What happened is appended, one JSON object a line, to ``$WATCHER_FLEET_DIR/handouts.jsonl``.
"""

import json
import os
import threading
import time

ABANDON_EVERY = 10
REPLAY_EVERY = 7

_state = threading.local()


def _record(**fields):
    line = json.dumps({**fields, "t": time.time(), "pid": os.getpid()}) + "\n"
    # One short write to a file opened for appending: lines of concurrent writers never interleave.
    with open(os.path.join(os.environ["WATCHER_FLEET_DIR"], "handouts.jsonl"), "a") as log:
        log.write(line)


def _first_time(submission_id):
    """True once per submission across every watcher process (an exclusive create of a marker file)."""
    marker = os.path.join(os.environ["WATCHER_FLEET_DIR"], f"abandoned-{submission_id}")
    try:
        os.close(os.open(marker, os.O_CREAT | os.O_EXCL | os.O_WRONLY))
    except FileExistsError:
        return False
    return True


def _item(content):
    header = json.loads(content["xqueue_header"])
    number = int(json.loads(content["xqueue_body"])["student_response"].split()[-1])
    return header, number


def grade(content):
    header, number = _item(content)
    _state.result = None
    _record(event="handout", submission_id=header["submission_id"], key=header["submission_key"], n=number)
    if number % ABANDON_EVERY == 0 and _first_time(header["submission_id"]):
        _record(event="abandon", submission_id=header["submission_id"], n=number)
        return None
    points = number % 5
    _state.result = {"correct": points == 4, "score": points / 4, "msg": f"<p>{points}/4</p>"}
    return _state.result


def replay(content):
    header, number = _item(content)
    result = getattr(_state, "result", None)
    if result is None or number % REPLAY_EVERY:
        return None
    _record(event="replay", submission_id=header["submission_id"], n=number)
    return result
