"""
HTTP client of the XQueue grader protocol (``xqueue-protocol`` spec §3), on the standard library only.

One :class:`XQueueClient` per worker: it owns its cookie jar (the session), logs in with the CSRF
handshake of current xqueue-watcher builds, logs in again once on 301/302/401/403, never follows
redirects, and understands both the ``{"return_code", "content"}`` envelope and the legacy
``{"success": bool}`` shape. ``put_result`` is retried with back-off on network errors, 5xx and
409-busy, unlike xqueue-watcher, which loses the result.
"""

import contextlib
import dataclasses
import http.client
import http.cookiejar
import json
import logging
import time
import urllib.error
import urllib.parse
import urllib.request

__all__ = ["XQueueClient", "Item", "ProtocolError", "LoginError", "TransientError", "QueueNotFoundError"]

logger = logging.getLogger(__name__)

AUTH_STATUSES = (301, 302, 401, 403)


class ProtocolError(Exception):
    """The server answered something this client cannot use."""

    def __init__(self, message, status=None):
        super().__init__(message)
        self.status = status


class LoginError(ProtocolError):
    """Login was refused (bad credentials, not a grader account...)."""


class TransientError(ProtocolError):
    """A network error, timeout or 5xx: worth trying again later."""


class QueueNotFoundError(ProtocolError):
    """The server does not know the queue."""


@dataclasses.dataclass
class Item:
    """One submission handed out by ``get_submission``."""

    raw_header: str  # echoed unchanged in put_result
    header: dict
    body: dict
    files: dict

    @property
    def submission_id(self):
        return self.header.get("submission_id")


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None  # surface 301/302 to the caller (the watcher does not follow redirects either)


@dataclasses.dataclass
class Response:
    status: int
    body: bytes

    def envelope(self):
        """``(success, content)`` from either response shape; raises :class:`ProtocolError` otherwise."""
        try:
            data = json.loads(self.body)
        except ValueError as exc:
            raise ProtocolError(f"non-JSON response (HTTP {self.status})", self.status) from exc
        if isinstance(data, dict) and "return_code" in data:
            return data["return_code"] == 0, data.get("content")
        if isinstance(data, dict) and "success" in data:
            return bool(data["success"]), data.get("content", data.get("message"))
        raise ProtocolError(f"unexpected response shape (HTTP {self.status})", self.status)


def _decode_member(value):
    if isinstance(value, str):
        try:
            return json.loads(value) if value else {}
        except ValueError:
            return value
    return value if value is not None else {}


class XQueueClient:
    """A grader's session with one XQueue-compatible server."""

    def __init__(self, server, username, password, *, timeout=10.0, prefix="xqueue/"):
        self.server = server.rstrip("/") + "/"
        self.prefix = urllib.parse.urljoin(self.server, prefix)
        self.username = username
        self._password = password
        self.timeout = timeout
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar), _NoRedirect())
        self.headers = {}
        self.logins = 0

    def __repr__(self):  # never shows the password or cookies
        return f"XQueueClient({self.server!r}, username={self.username!r})"

    def url(self, path):
        return self.prefix + path

    def _cookie(self, *names):
        for cookie in self.jar:
            if cookie.name in names:
                return cookie.value
        return None

    def _send(self, method, path, *, params=None, data=None, headers=None):
        url = self.url(path)
        if params:
            url += "?" + urllib.parse.urlencode(params)
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        request = urllib.request.Request(url, data=body, method=method)
        request.add_header("Accept", "application/json")
        if body is not None:
            request.add_header("Content-Type", "application/x-www-form-urlencoded")
        for key, value in {**self.headers, **(headers or {})}.items():
            request.add_header(key, value)
        try:
            with self.opener.open(request, timeout=self.timeout) as response:
                return Response(response.status, response.read())
        except urllib.error.HTTPError as exc:
            with exc:
                return Response(exc.code, exc.read())
        except (TimeoutError, urllib.error.URLError, http.client.HTTPException, OSError) as exc:
            raise TransientError(f"{method} {path}: {getattr(exc, 'reason', exc)}") from exc

    # -- session ----------------------------------------------------------------------------------
    def login(self):
        """CSRF handshake + form login; raises :class:`LoginError` or :class:`TransientError`."""
        self.jar.clear()
        self.headers = {}
        login_url = self.url("login/")
        self._send("GET", "login/")  # obtains the csrftoken cookie; any status is tolerated
        headers = {"Referer": login_url}
        token = self._cookie("csrftoken", "edx-csrftoken")
        if token:
            headers["X-CSRFToken"] = token
        response = self._send(
            "POST", "login/", data={"username": self.username, "password": self._password}, headers=headers
        )
        if response.status >= 500:
            raise TransientError(f"login: HTTP {response.status}", response.status)
        try:
            ok, content = response.envelope()
        except ProtocolError:
            ok, content = False, None
        if response.status != 200 or not ok:
            raise LoginError(f"login refused (HTTP {response.status}): {content}", response.status)
        self.headers = {"Referer": self.server}
        token = self._cookie("csrftoken", "edx-csrftoken")
        if token:
            self.headers["X-CSRFToken"] = token
        self.logins += 1
        logger.info("logged in to %s as %s", self.server, self.username)

    def request(self, method, path, **kwargs):
        """Send; on an authentication status log in again once and retry once."""
        response = self._send(method, path, **kwargs)
        if response.status in AUTH_STATUSES:
            logger.info("HTTP %s on %s: logging in again", response.status, path)
            self.login()
            response = self._send(method, path, **kwargs)
        return response

    def logout(self):
        with contextlib.suppress(TransientError):
            self._send("POST", "logout/")
        self.jar.clear()
        self.headers = {}

    # -- protocol ---------------------------------------------------------------------------------
    def status(self):
        response = self._send("GET", "status/")
        return response.status == 200 and response.envelope()[0]

    def get_queuelen(self, queue_name):
        response = self.request("GET", "get_queuelen/", params={"queue_name": queue_name})
        ok, content = response.envelope()
        if response.status == 404:
            raise QueueNotFoundError(str(content), 404)
        if not ok:
            raise ProtocolError(f"get_queuelen: {content}", response.status)
        return int(content)

    def get_submission(self, queue_name):
        """The next :class:`Item`, or None when the queue is empty."""
        response = self.request("GET", "get_submission/", params={"queue_name": queue_name})
        if response.status >= 500:
            raise TransientError(f"get_submission: HTTP {response.status}", response.status)
        if response.status == 404:
            raise QueueNotFoundError(f"queue {queue_name!r} not found", 404)
        if response.status in AUTH_STATUSES:
            raise LoginError(f"get_submission: still HTTP {response.status} after logging in", response.status)
        ok, content = response.envelope()
        if response.status != 200 or not ok:
            if response.status != 200:
                raise ProtocolError(f"get_submission: HTTP {response.status}: {content}", response.status)
            return None  # "Queue 'Q' is empty" (legacy servers also answer unknown queues this way)
        try:
            message = json.loads(content) if isinstance(content, str) else content
            raw_header = message["xqueue_header"]
            body = message["xqueue_body"]
        except (ValueError, TypeError, KeyError) as exc:
            raise ProtocolError(f"get_submission: malformed item ({exc})", response.status) from exc
        if not isinstance(raw_header, str):
            raw_header = json.dumps(raw_header)
        return Item(
            raw_header=raw_header,
            header=_decode_member(raw_header),
            body=_decode_member(body),
            files=_decode_member(message.get("xqueue_files", "{}")),
        )

    def put_result(self, item, reply, *, attempts=6, backoff=0.5, max_backoff=8.0, should_stop=None):
        """
        Post ``reply`` for ``item``; True when the server accepted it.

        Retries network errors, 5xx and 409 "currently being processed" with exponential back-off; gives up
        at once on other answers (a late reply whose key was superseded, a malformed reply...).
        """
        data = {"xqueue_header": item.raw_header, "xqueue_body": json.dumps(reply)}
        delay = backoff
        for attempt in range(1, attempts + 1):
            retry_reason = None
            try:
                response = self.request("POST", "put_result/", data=data)
            except TransientError as exc:
                retry_reason = str(exc)
            else:
                try:
                    ok, content = response.envelope()
                except ProtocolError:
                    ok, content = False, response.body[:200]
                if response.status == 200 and ok:
                    return True
                busy = response.status == 409 and "being processed" in str(content)
                if response.status >= 500 or busy:
                    retry_reason = f"HTTP {response.status}: {content}"
                else:
                    logger.warning(
                        "put_result rejected for submission %s (HTTP %s): %s",
                        item.submission_id,
                        response.status,
                        content,
                    )
                    return False
            if attempt == attempts or (should_stop and should_stop()):
                break
            logger.info(
                "put_result for submission %s failed (%s); retry %d in %.1fs",
                item.submission_id,
                retry_reason,
                attempt,
                delay,
            )
            time.sleep(delay)
            delay = min(max_backoff, delay * 2)
        logger.error("put_result for submission %s gave up after %d attempts", item.submission_id, attempt)
        return False
