"""
A protocol-faithful XQueue client for the tests, written from the protocol xqueue-watcher speaks
(``docs/graders.rst``, Wire format).

It behaves like one xqueue-watcher connection (current release): its own ``requests.Session``, a
CSRF pre-fetch with ``GET login/`` before ``POST login/`` (form fields, ``Referer`` and
``X-CSRFToken`` headers), ``Referer``/``X-CSRFToken`` on every later request, a 1 s timeout,
redirects not followed, one re-login and one retry on 301/302/401/403, and ``put_result`` as form
fields with the received ``xqueue_header`` echoed unchanged. ``legacy=True`` behaves like an older
watcher: no CSRF pre-fetch, no CSRF header or Referer, re-login only on 301/302.
"""

import json
import threading
from dataclasses import dataclass, field

import requests

__all__ = ["XQueueClient", "Reply"]

RELOGIN_STATUSES = (301, 302, 401, 403)
LEGACY_RELOGIN_STATUSES = (301, 302)


@dataclass
class Reply:
    """One HTTP answer: status, the decoded envelope (or None) and the raw response."""

    status: int
    body: dict | None
    response: requests.Response = field(repr=False)

    @property
    def ok(self):
        return self.status == 200 and self.body is not None and self.body.get("return_code") == 0

    @property
    def content(self):
        return None if self.body is None else self.body.get("content")


class XQueueClient:
    def __init__(self, server, username, password, timeout=1.0, legacy=False):
        """``server`` is the watcher's SERVER setting: the URL *above* ``xqueue/``."""
        self.server = server.rstrip("/")
        self.base = self.server + "/xqueue/"
        self.username = username
        self.password = password
        self.timeout = timeout
        self.legacy = legacy
        self.session = requests.Session()
        self.logins = 0
        self.relogins = 0
        self._lock = threading.Lock()

    def url(self, path):
        return self.base + path

    def _csrf_cookie(self):
        jar = self.session.cookies
        return jar.get("csrftoken") or jar.get("edx-csrftoken")

    # -- login --

    def login(self):
        """Log in like the watcher; True on HTTP 200 with return_code 0."""
        self.session.cookies.clear()
        self.session.headers.pop("X-CSRFToken", None)
        self.session.headers.pop("Referer", None)
        login_url = self.url("login/")
        headers = {}
        if not self.legacy:
            self.session.get(login_url, timeout=self.timeout, allow_redirects=False)  # any status tolerated
            headers["Referer"] = login_url
            token = self._csrf_cookie()
            if token:
                headers["X-CSRFToken"] = token
        response = self.session.post(
            login_url,
            data={"username": self.username, "password": self.password},
            headers=headers,
            timeout=self.timeout,
            allow_redirects=False,
        )
        self.logins += 1
        self.last_login = self._reply(response)
        if not self.last_login.ok:
            return False
        if not self.legacy:
            self.session.headers["Referer"] = self.server
            token = self._csrf_cookie()
            if token:
                self.session.headers["X-CSRFToken"] = token
        return True

    # -- requests --

    @staticmethod
    def _reply(response):
        try:
            body = response.json()
        except ValueError:
            body = None
        return Reply(response.status_code, body if isinstance(body, dict) else None, response)

    def request(self, method, path, **kwargs):
        """One request, with the watcher's single re-login and retry on an auth status."""
        kwargs.setdefault("timeout", self.timeout)
        kwargs.setdefault("allow_redirects", False)
        response = self.session.request(method, self.url(path), **kwargs)
        statuses = LEGACY_RELOGIN_STATUSES if self.legacy else RELOGIN_STATUSES
        if response.status_code in statuses:
            self.relogins += 1
            if self.login():
                response = self.session.request(method, self.url(path), **kwargs)
        return self._reply(response)

    def get_submission(self, queue_name):
        """(Reply, decoded content dict or None)."""
        reply = self.request("GET", "get_submission/", params={"queue_name": queue_name})
        if not reply.ok:
            return reply, None
        return reply, json.loads(reply.content)

    def put_result(self, xqueue_header, result):
        """Post a handler result; ``xqueue_header`` is the string received, sent unchanged."""
        body = result if isinstance(result, str) else json.dumps(result)
        return self.request("POST", "put_result/", data={"xqueue_header": xqueue_header, "xqueue_body": body})

    def get_queuelen(self, queue_name):
        return self.request("GET", "get_queuelen/", params={"queue_name": queue_name})

    def status(self):
        return self.request("GET", "status/")

    def logout(self):
        return self.request("POST", "logout/")

    def close(self):
        self.session.close()
