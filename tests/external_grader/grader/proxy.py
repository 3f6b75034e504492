"""
A real HTTP/1.1 server on 127.0.0.1 in front of the live server: it counts the TCP connections it accepts
and the requests on each, forwards them (keeping its own connection to the live server), and on demand
fails them the way a broken deployment does: a 5xx answer, or a connection reset without an answer.
"""

import contextlib
import http.client
import http.server
import json
import socket
import struct
import threading
import urllib.parse

HOP_BY_HOP = {"connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade", "content-length"}


class FaultyProxy(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, upstream):
        super().__init__(("127.0.0.1", 0), _Handler)
        self.upstream = urllib.parse.urlsplit(upstream)
        self.lock = threading.Lock()
        self.accepted = 0
        self.requests = []  # (connection number, method, path, status or "reset")
        self.fault = None  # None, an HTTP status, or "reset"
        self.fault_paths = None  # None: every path fails while faulty
        self.open_sockets = {}  # socket -> its connection number

    @property
    def url(self):
        return f"http://127.0.0.1:{self.server_address[1]}"

    def get_request(self):
        sock, address = super().get_request()
        with self.lock:
            self.accepted += 1
            self.open_sockets[sock] = self.accepted
        return sock, address

    def shutdown_request(self, request):
        with self.lock:
            self.open_sockets.pop(request, None)
        super().shutdown_request(request)

    def fail(self, fault, paths=None):
        """Answer ``fault`` (a status, or "reset") to requests for ``paths`` (all when None) until recovered."""
        with self.lock:
            self.fault, self.fault_paths = fault, paths

    def recover(self):
        self.fail(None)

    def drop_connections(self):
        """Close every client connection, as a server restart or a load balancer's idle timeout does."""
        with self.lock:
            sockets = list(self.open_sockets)
        for sock in sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

    def count(self, path=None, method=None):
        with self.lock:
            return sum(1 for _, m, p, _ in self.requests if (path is None or p == path) and method in (None, m))

    def __enter__(self):
        threading.Thread(target=self.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        return self

    def __exit__(self, *exc):
        stopper = threading.Thread(target=self.shutdown, daemon=True)
        stopper.start()
        stopper.join(10)
        self.drop_connections()
        self.server_close()


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def setup(self):
        super().setup()
        with self.server.lock:
            self.number = self.server.open_sockets.get(self.request)
        self.upstream = None

    def finish(self):
        super().finish()
        if self.upstream is not None:
            self.upstream.close()

    def do_GET(self):
        self._relay()

    do_POST = do_GET

    def _record(self, path, outcome):
        with self.server.lock:
            self.server.requests.append((self.number, self.command, path, outcome))

    def _relay(self):
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        path = urllib.parse.urlsplit(self.path).path
        with self.server.lock:
            fault, paths = self.server.fault, self.server.fault_paths
        if fault is not None and (paths is None or path in paths):
            self._record(path, fault)
            if fault == "reset":
                # RST instead of an answer: the client sees a connection reset
                self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                self.close_connection = True
                return
            self._answer(fault, [("Content-Type", "application/json")], json.dumps({"error": "injected"}).encode())
            return
        headers = {key: value for key, value in self.headers.items() if key.lower() not in HOP_BY_HOP}
        for attempt in (1, 2):
            if self.upstream is None:
                self.upstream = http.client.HTTPConnection(self.server.upstream.hostname, self.server.upstream.port)
            try:
                self.upstream.request(self.command, self.path, body=body or None, headers=headers)
                response = self.upstream.getresponse()
                data = response.read()
                break
            except (http.client.HTTPException, OSError):
                self.upstream.close()
                self.upstream = None
                if attempt == 2:
                    raise
        if response.will_close:
            self.upstream.close()
            self.upstream = None
        self._record(path, response.status)
        self._answer(response.status, response.getheaders(), data)

    def _answer(self, status, headers, data):
        self.send_response_only(status)
        for key, value in headers:
            if key.lower() not in HOP_BY_HOP and key.lower() not in ("server", "date"):
                self.send_header(key, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
