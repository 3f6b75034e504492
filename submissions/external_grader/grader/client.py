"""
HTTP client of the XQueue grader protocol (``xqueue-protocol`` spec §3), on the standard library only.

One :class:`XQueueClient` per worker: it owns one persistent HTTP/1.1 connection (:mod:`http.client`, TLS
when the server URL says ``https``; reconnected when the server closes it or a request fails) and a cookie
jar (the session). It logs in with the CSRF handshake of current xqueue-watcher builds, logs in again once on
301/302/401/403, never follows redirects, and understands both the ``{"return_code", "content"}`` envelope
and the legacy ``{"success": bool}`` shape. Each protocol call makes one attempt and sorts the outcome:
a result, a final refusal (:class:`LoginError`, :class:`ProtocolError`, ``put_result`` returning False) or
:class:`TransientError` (network error, timeout, 5xx, 429, 409 "being processed"), which :class:`Retry` retries
with back-off until it gives up (:class:`GaveUp`).
"""

import base64
import contextlib
import dataclasses
import http.client
import http.cookiejar
import importlib.metadata
import json
import logging
import random
import socket
import ssl
import time
import urllib.parse
import urllib.request

from submissions import bounded_json

__all__ = [
    "XQueueClient",
    "Item",
    "Retry",
    "ProtocolError",
    "LoginError",
    "TransientError",
    "QueueNotFoundError",
    "GaveUp",
    "Interrupted",
]

logger = logging.getLogger(__name__)

AUTH_STATUSES = (301, 302, 401, 403)
#: Failures of a connection the server may have closed while it was idle: worth one fresh connection.
STALE_CONNECTION_ERRORS = (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError)
HOP_BY_HOP = ("connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade")


def _user_agent():
    try:
        version = importlib.metadata.version("django-submissions")
    except importlib.metadata.PackageNotFoundError:
        version = "unknown"
    return f"submissions-grader/{version}"


def _quick_ack(sock):
    """
    Acknowledge the answer's first segment at once. A server that writes its answer in several small pieces
    (Django's development server: status line, headers, body) holds the later ones back (Nagle) until that
    acknowledgement, which Linux otherwise delays by up to 40 ms on a connection past its first exchanges.
    """
    if sock is not None and hasattr(socket, "TCP_QUICKACK"):
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_QUICKACK, 1)


class ProtocolError(Exception):
    """The server answered something this client cannot use."""

    def __init__(self, message, status=None):
        super().__init__(message)
        self.status = status


class LoginError(ProtocolError):
    """Login was refused (bad credentials, not a grader account...)."""


class TransientError(ProtocolError):
    """A network error, timeout, 5xx, 429 or 409 "being processed": worth trying again later."""

    def __init__(self, message, status=None, retry_after=None):
        super().__init__(message, status)
        self.retry_after = retry_after


class QueueNotFoundError(ProtocolError):
    """The server does not know the queue."""


class GaveUp(TransientError):
    """:class:`Retry` stopped trying: the server kept failing for too long (or too many times)."""


class Interrupted(Exception):
    """:class:`Retry` was interrupted by its event while waiting to try again."""


@dataclasses.dataclass
class Item:
    """One submission handed out by ``get_submission``."""

    raw_header: str  # echoed unchanged in put_result
    header: dict
    body: dict
    files: dict

    @property
    def submission_id(self):
        # A header that is not a JSON object (not JSON, or beyond bounded_json's limits) stays its text.
        return self.header.get("submission_id") if isinstance(self.header, dict) else None


@dataclasses.dataclass
class Response:
    status: int
    body: bytes
    headers: dict = dataclasses.field(default_factory=dict)

    def envelope(self):
        """``(success, content)`` from either response shape; raises :class:`ProtocolError` otherwise."""
        try:
            data = bounded_json.loads(self.body)
        except ValueError as exc:
            raise ProtocolError(f"non-JSON response (HTTP {self.status})", self.status) from exc
        if isinstance(data, dict) and "return_code" in data:
            return data["return_code"] == 0, data.get("content")
        if isinstance(data, dict) and "success" in data:
            return bool(data["success"]), data.get("content", data.get("message"))
        raise ProtocolError(f"unexpected response shape (HTTP {self.status})", self.status)

    def content(self):
        """The envelope's content for messages, or the start of the body when it is not an envelope."""
        try:
            return self.envelope()[1]
        except ProtocolError:
            return self.body[:200].decode("utf-8", "replace")

    def retry_after(self):
        try:
            return max(0.0, float(self.headers.get("retry-after", "")))
        except ValueError:
            return None


def _decode_member(value):
    if isinstance(value, str):
        try:
            return bounded_json.loads(value) if value else {}
        except ValueError:
            return value
    return value if value is not None else {}


class Retry:
    """
    Calls a protocol call until it does not raise :class:`TransientError`, waiting ``first`` seconds, doubling
    up to ``maximum`` (±20 % jitter, at least the server's ``Retry-After``). Gives up with :class:`GaveUp` once
    calls have failed for ``give_up_after`` seconds in a row (None: never), or after ``attempts`` attempts of
    one call (None: no count). Any success resets the clock, so one ``Retry`` per worker measures how long the
    server has been failing across its calls. ``interrupt`` (a :class:`threading.Event`) cuts a wait short
    with :class:`Interrupted`.
    """

    def __init__(self, *, first=0.5, maximum=10.0, give_up_after=None, attempts=None):
        self.first = first
        self.maximum = maximum
        self.give_up_after = give_up_after
        self.attempts = attempts
        self.failing_since = None

    def call(self, function, *args, interrupt=None, on_retry=None, **kwargs):
        delay = self.first
        attempt = 0
        while True:
            attempt += 1
            try:
                result = function(*args, **kwargs)
            except TransientError as exc:
                now = time.monotonic()
                if self.failing_since is None:
                    self.failing_since = now
                failing_for = now - self.failing_since
                if (self.give_up_after is not None and failing_for >= self.give_up_after) or (
                    self.attempts is not None and attempt >= self.attempts
                ):
                    raise GaveUp(
                        f"gave up after {attempt} attempt(s), failing for {failing_for:.1f}s: {exc}", exc.status
                    ) from exc
                wait = max(delay * random.uniform(0.8, 1.2), exc.retry_after or 0.0)
                if on_retry is not None:
                    on_retry(exc, wait, attempt)
                if interrupt is not None:
                    if interrupt.wait(wait):
                        raise Interrupted(str(exc)) from exc
                else:
                    time.sleep(wait)
                delay = min(self.maximum, delay * 2)
            else:
                self.failing_since = None
                return result


class XQueueClient:
    """A grader's session with one XQueue-compatible server, over one persistent connection."""

    def __init__(self, server, username, password, *, timeout=10.0, prefix="xqueue/", ssl_context=None):
        self.server = server.rstrip("/") + "/"
        self.prefix = urllib.parse.urljoin(self.server, prefix)
        self.username = username
        self._password = password
        self.timeout = timeout
        self.jar = http.cookiejar.CookieJar()
        self.headers = {}
        self.logins = 0
        #: TCP connections opened so far (one per worker unless the server or the network closed them).
        self.connections = 0
        self.user_agent = _user_agent()
        target = urllib.parse.urlsplit(self.prefix)
        if target.scheme not in ("http", "https") or not target.hostname:
            raise ValueError(f"server URL must be http:// or https://, not {server!r}")
        self._target = target
        self._ssl_context = ssl_context
        self._connection = None
        self._proxy, self._proxy_headers = self._find_proxy(target)

    def __repr__(self):  # never shows the password or cookies
        return f"XQueueClient({self.server!r}, username={self.username!r})"

    def url(self, path):
        return self.prefix + path

    def _cookie(self, *names):
        for cookie in self.jar:
            if cookie.name in names:
                return cookie.value
        return None

    # -- transport --------------------------------------------------------------------------------
    @staticmethod
    def _find_proxy(target):
        """The ``http_proxy``/``https_proxy`` to use (urllib's rules, ``no_proxy`` included), or None."""
        proxy = urllib.request.getproxies().get(target.scheme)
        if not proxy or urllib.request.proxy_bypass(target.hostname):
            return None, {}
        parsed = urllib.parse.urlsplit(proxy if "://" in proxy else f"http://{proxy}")
        headers = {}
        if parsed.username:
            userinfo = f"{urllib.parse.unquote(parsed.username)}:{urllib.parse.unquote(parsed.password or '')}"
            headers["Proxy-Authorization"] = "Basic " + base64.b64encode(userinfo.encode()).decode()
        return parsed, headers

    def _connect(self):
        target, proxy = self._target, self._proxy
        host, port = (proxy.hostname, proxy.port or 80) if proxy else (target.hostname, target.port)
        if target.scheme == "https":
            context = self._ssl_context or ssl.create_default_context()
            connection = http.client.HTTPSConnection(host, port, timeout=self.timeout, context=context)
            if proxy:
                connection.set_tunnel(target.hostname, target.port or 443, headers=self._proxy_headers)
        else:
            connection = http.client.HTTPConnection(host, port, timeout=self.timeout)
        self.connections += 1
        return connection

    def close(self):
        """Close the connection (the next request opens a new one)."""
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    def _send(self, method, path, *, params=None, data=None, headers=None):
        url = self.url(path)
        if params:
            url += "?" + urllib.parse.urlencode(params)
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        # A urllib Request only carries the cookie jar's view of the exchange (domain, path, secure...).
        request = urllib.request.Request(url, data=body, method=method)
        self.jar.add_cookie_header(request)
        all_headers = {"Accept": "application/json", "User-Agent": self.user_agent, **self.headers, **(headers or {})}
        all_headers.update(request.unredirected_hdrs)
        if body is not None:
            all_headers["Content-Type"] = "application/x-www-form-urlencoded"
        if self._proxy and self._target.scheme == "http":
            target = url  # an HTTP proxy takes the absolute URL
            all_headers.update(self._proxy_headers)
        else:
            parts = urllib.parse.urlsplit(url)
            target = parts.path + (f"?{parts.query}" if parts.query else "")
        for fresh in (False, True):
            reused = self._connection is not None
            if not reused:
                self._connection = self._connect()
            try:
                self._connection.request(method, target, body=body, headers=all_headers)
                _quick_ack(self._connection.sock)
                response = self._connection.getresponse()
                payload = response.read()
            except STALE_CONNECTION_ERRORS as exc:
                self.close()
                if reused and not fresh:
                    continue  # the server closed the idle connection: once more on a new one
                raise TransientError(f"{method} {path}: {exc!r}") from exc
            except (TimeoutError, OSError, http.client.HTTPException) as exc:
                self.close()
                raise TransientError(f"{method} {path}: {exc!r}") from exc
            if response.will_close:
                self.close()
            self.jar.extract_cookies(response, request)
            headers = {key.lower(): value for key, value in response.getheaders() if key.lower() not in HOP_BY_HOP}
            return Response(response.status, payload, headers)
        raise AssertionError("unreachable")  # pragma: no cover

    def _classify(self, what, response):
        """Raise :class:`TransientError` for the answers worth retrying (5xx, 429)."""
        if response.status >= 500 or response.status == 429:
            raise TransientError(
                f"{what}: HTTP {response.status}: {response.content()}", response.status, response.retry_after()
            )

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
        self._classify("login", response)
        try:
            ok, content = response.envelope()
        except ProtocolError:
            ok, content = False, response.content()
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
        self.close()

    # -- protocol ---------------------------------------------------------------------------------
    def status(self):
        response = self._send("GET", "status/")
        return response.status == 200 and response.envelope()[0]

    def get_queuelen(self, queue_name):
        response = self.request("GET", "get_queuelen/", params={"queue_name": queue_name})
        self._classify("get_queuelen", response)
        ok, content = response.envelope()
        if response.status == 404:
            raise QueueNotFoundError(str(content), 404)
        if not ok:
            raise ProtocolError(f"get_queuelen: {content}", response.status)
        return int(content)

    def get_submission(self, queue_name):
        """The next :class:`Item`, or None when the server answered that the queue is empty."""
        response = self.request("GET", "get_submission/", params={"queue_name": queue_name})
        self._classify("get_submission", response)
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
            message = bounded_json.loads(content) if isinstance(content, str) else content
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

    def put_result(self, item, reply):
        """
        Post ``reply`` for ``item`` once: True when the server accepted it, False when it refused it for good
        (a late reply whose key was superseded, a malformed reply...). Raises :class:`TransientError` for
        network errors, 5xx and 409 "currently being processed": retry with :class:`Retry`.
        """
        data = {"xqueue_header": item.raw_header, "xqueue_body": json.dumps(reply)}
        response = self.request("POST", "put_result/", data=data)
        self._classify("put_result", response)
        try:
            ok, content = response.envelope()
        except ProtocolError:
            ok, content = False, response.content()
        if response.status == 200 and ok:
            return True
        if response.status == 409 and "being processed" in str(content):
            raise TransientError(f"put_result: HTTP 409: {content}", 409)
        logger.warning(
            "put_result rejected for submission %s (HTTP %s): %s", item.submission_id, response.status, content
        )
        return False
