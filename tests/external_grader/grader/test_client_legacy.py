"""
The client against a legacy-compatible server: 302 to login instead of 401, no CSRF on login, the
``{"success": bool}`` reply shape, and transient failures of put_result (5xx, 409 busy, a dropped
connection) that the client retries. The legacy xqueue service cannot run here, so this small
loopback server speaks its wire format.
"""

import http.server
import json
import threading
import urllib.parse

import pytest

from submissions.bounded_json import MAX_DEPTH
from submissions.external_grader.grader.client import (
    GaveUp,
    LoginError,
    ProtocolError,
    Retry,
    TransientError,
    XQueueClient,
)


class LegacyServer(http.server.ThreadingHTTPServer):
    def __init__(self):
        super().__init__(("127.0.0.1", 0), LegacyHandler)
        self.sessions = set()
        self.put_script = []  # statuses to answer put_result with before accepting
        self.submission_body = None  # raw bytes to answer get_submission with instead of an item
        self.results = []
        self.login_posts = 0


class LegacyHandler(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def _reply(self, status, body, headers=None):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(data)

    def _session(self):
        cookie = self.headers.get("Cookie", "")
        return any(part.strip() in self.server.sessions for part in cookie.split(";"))

    def do_GET(self):
        path = urllib.parse.urlsplit(self.path).path
        if path == "/xqueue/login/":
            return self._reply(200, {"return_code": 1, "content": "login_required"})
        if not self._session():
            return self._reply(302, {}, {"Location": "/xqueue/login/"})
        if path == "/xqueue/get_submission/" and self.server.submission_body is not None:
            raw = self.server.submission_body
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(raw)))
            self.end_headers()
            self.wfile.write(raw)
            return None
        if path == "/xqueue/get_submission/":
            header = json.dumps({"submission_id": 7, "submission_key": "k7"})
            body = json.dumps({"grader_payload": "{}", "student_info": "{}", "student_response": "print(1)"})
            content = json.dumps({"xqueue_header": header, "xqueue_body": body, "xqueue_files": "{}"})
            return self._reply(200, {"return_code": 0, "content": content})
        return self._reply(404, {"return_code": 1, "content": "?"})

    def do_POST(self):
        path = urllib.parse.urlsplit(self.path).path
        length = int(self.headers.get("Content-Length", 0))
        form = dict(urllib.parse.parse_qsl(self.rfile.read(length).decode()))
        if path == "/xqueue/login/":
            self.server.login_posts += 1
            if form.get("password") != "pw":
                return self._reply(200, {"success": False, "content": "Incorrect login credentials"})
            token = f"sessionid=s{self.server.login_posts}"
            self.server.sessions = {token}  # a new login ends older sessions
            return self._reply(200, {"success": True}, {"Set-Cookie": f"{token}; Path=/"})
        if not self._session():
            return self._reply(302, {}, {"Location": "/xqueue/login/"})
        if path == "/xqueue/put_result/":
            if self.server.put_script:
                step = self.server.put_script.pop(0)
                if step == "drop":
                    self.connection.close()
                    return None
                if step == 409:
                    return self._reply(409, {"return_code": 1, "content": "Submission is currently being processed"})
                return self._reply(step, {"return_code": 1, "content": "boom"})
            self.server.results.append(form)
            return self._reply(200, {"success": True})
        return self._reply(404, {"return_code": 1, "content": "?"})


@pytest.fixture
def server():
    srv = LegacyServer()
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield srv
    # shutdown() waits for serve_forever to acknowledge; seen once to wait forever on a loaded machine,
    # so it gets 10 s in a helper thread before the socket is closed anyway.
    stopper = threading.Thread(target=srv.shutdown, daemon=True)
    stopper.start()
    stopper.join(10)
    srv.server_close()


def _client(server, password="pw"):
    return XQueueClient(f"http://127.0.0.1:{server.server_address[1]}", "legacy", password, timeout=5)


def test_success_shape_login_and_redirect_relogin(server):
    client = _client(server)
    client.login()
    assert "X-CSRFToken" not in client.headers  # no CSRF cookie from a legacy server
    server.sessions = set()  # session expired server-side: the next call gets a 302
    item = client.get_submission("q")
    assert item.submission_id == 7
    assert item.raw_header == json.dumps({"submission_id": 7, "submission_key": "k7"})
    assert client.logins == 2


def test_refused_login(server):
    with pytest.raises(LoginError):
        _client(server, password="nope").login()


def test_put_result_is_retried_on_transient_failures_and_echoes_the_header(server):
    client = _client(server)
    client.login()
    item = client.get_submission("q")
    server.put_script = [500, 409, "drop", 503]
    retries = []
    posted = Retry(first=0.01).call(
        client.put_result, item, {"correct": True, "score": 1.0, "msg": "ok"}, on_retry=lambda *a: retries.append(a)
    )
    assert posted is True
    assert [exc.status for exc, _, _ in retries] == [500, 409, None, 503]
    [form] = server.results
    assert form["xqueue_header"] == item.raw_header  # unchanged string
    assert json.loads(form["xqueue_body"]) == {"correct": True, "score": 1.0, "msg": "ok"}


def test_put_result_gives_up_after_bounded_attempts(server):
    client = _client(server)
    client.login()
    item = client.get_submission("q")
    server.put_script = [500] * 10
    with pytest.raises(GaveUp, match="after 3 attempt"):
        Retry(first=0.01, attempts=3).call(client.put_result, item, {"correct": False, "score": 0, "msg": ""})
    assert server.results == [] and len(server.put_script) == 7
    with pytest.raises(GaveUp, match="failing for"):
        Retry(first=0.05, give_up_after=0.2).call(client.put_result, item, {"correct": False, "score": 0, "msg": ""})


def test_one_attempt_sorts_the_answer(server):
    client = _client(server)
    client.login()
    item = client.get_submission("q")
    server.put_script = [503]
    with pytest.raises(TransientError) as raised:
        client.put_result(item, {"correct": True, "score": 1.0, "msg": "ok"})
    assert raised.value.status == 503 and not isinstance(raised.value, GaveUp)
    assert client.put_result(item, {"correct": True, "score": 1.0, "msg": "ok"}) is True


@pytest.mark.parametrize(
    "raw",
    [
        b"[" * 100_000,  # the envelope itself
        json.dumps({"return_code": 0, "content": "[" * 100_000}).encode(),  # its content
        json.dumps({"return_code": 0, "content": '{"x":' * (MAX_DEPTH + 1) + "1" + "}" * (MAX_DEPTH + 1)}).encode(),
        b'{"return_code": 0, "content": 1' + b"0" * 400 + b"}",
    ],
)
def test_a_reply_beyond_the_json_bounds_is_a_protocol_error(server, raw):
    """A broken or hostile server cannot crash a worker with RecursionError (issue 14 point 3, ADR 0050)."""
    client = _client(server)
    client.login()
    server.submission_body = raw
    with pytest.raises(ProtocolError):
        client.get_submission("q")


def test_members_beyond_the_json_bounds_stay_text(server):
    """Like any member that is not JSON, a too-deep one stays a string; the item then has no submission id."""
    client = _client(server)
    client.login()
    deep = "[" * 100_000
    content = json.dumps({"xqueue_header": deep, "xqueue_body": deep, "xqueue_files": "{}"})
    server.submission_body = json.dumps({"return_code": 0, "content": content}).encode()
    item = client.get_submission("q")
    assert item.header == deep and item.body == deep
    assert item.submission_id is None  # was AttributeError on a str header, in the worker's log lines
