"""
Reference-grader benchmark: end-to-end throughput per language, and the sandbox's per-run overhead.

End to end: a real Django server (this library's XQueue endpoints on SQLite, in-process threaded WSGI on
127.0.0.1) holds N submissions per language; the reference grader (W workers, sandbox at the detected
level) pulls them over HTTP, compiles and runs two test cases per submission, and posts the results. We
time from grader start to the last recorded score.

Overhead: median wall time of R runs of a hello-world, bare (``subprocess.run``) versus in the sandbox.

Client A/B (issue 15.4): the grader's HTTP client before (``urllib.request``: a new TCP connection, and TLS
handshake, for every request) and after (one keep-alive connection per worker), interleaved in one run over
plain HTTP and TLS: the connections the server accepted, idle polls per second, and items per second with a
plugin that grades instantly, so the protocol's cost is what is measured.

    python bench/grader_throughput.py [--per-language 20] [--workers 2] [--runs 30] [--languages python,c]
        [--sections overhead,languages,client] [--ab-items 100] [--ab-rounds 3] [--ab-polls 200]
"""

import argparse
import http.client
import json
import os
import shutil
import ssl
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import django  # noqa: E402
from django.conf import settings  # noqa: E402

urlpatterns = []  # filled in by configure(): the URLconf of the in-process server

PROGRAMS = {
    "python": "a, b = map(int, input().split())\nprint(a + b)\n",
    "javascript": "const [a, b] = require('fs').readFileSync(0, 'utf8').trim().split(/\\s+/).map(Number);\n"
    "console.log(a + b);\n",
    "java": "import java.util.Scanner;\npublic class Main { public static void main(String[] x) {\n"
    "Scanner s = new Scanner(System.in); System.out.println(s.nextInt() + s.nextInt()); } }\n",
    "c": '#include <stdio.h>\nint main(void){int a,b;scanf("%d %d",&a,&b);printf("%d\\n",a+b);return 0;}\n',
    "cpp": "#include <iostream>\nint main(){int a,b;std::cin>>a>>b;std::cout<<a+b<<std::endl;}\n",
}
TESTS = [{"stdin": "1 2\n", "expected_stdout": "3\n"}, {"stdin": "20 22\n", "expected_stdout": "42\n"}]


def configure(tmp):
    settings.configure(
        DEBUG=False,
        SECRET_KEY="bench-only",
        ALLOWED_HOSTS=["127.0.0.1", "localhost"],
        ROOT_URLCONF=__name__,
        INSTALLED_APPS=[
            "django.contrib.auth",
            "django.contrib.contenttypes",
            "django.contrib.sessions",
            "rest_framework",
            "submissions",
        ],
        MIDDLEWARE=[
            "django.contrib.sessions.middleware.SessionMiddleware",
            "django.middleware.common.CommonMiddleware",
            "django.middleware.csrf.CsrfViewMiddleware",
            "django.contrib.auth.middleware.AuthenticationMiddleware",
        ],
        DATABASES={
            "default": {
                "ENGINE": "django.db.backends.sqlite3",
                "NAME": os.path.join(tmp, "bench.sqlite3"),
                "OPTIONS": {"timeout": 30, "transaction_mode": "IMMEDIATE"},
            }
        },
        PASSWORD_HASHERS=["submissions.external_grader.hashers.GraderPBKDF2PasswordHasher"],
        MEDIA_ROOT=os.path.join(tmp, "media"),
        USE_TZ=True,
        DEFAULT_AUTO_FIELD="django.db.models.AutoField",
        LOGGING_CONFIG=None,
    )
    django.setup()
    from django.urls import include, path

    urlpatterns.append(path("xqueue/", include("submissions.external_grader.urls")))


def serve(tls=None):
    """The in-process server (HTTP/1.1 keep-alive); ``server.accepted`` counts the TCP connections it took."""
    from django.core.handlers.wsgi import WSGIHandler
    from django.core.servers.basehttp import ThreadedWSGIServer, WSGIRequestHandler

    class Quiet(WSGIRequestHandler):
        def log_message(self, *args):
            pass

    class Counting(ThreadedWSGIServer):
        accepted = 0

        def get_request(self):
            pair = super().get_request()
            self.accepted += 1  # accept() runs in the serving thread only
            return pair

    server = Counting(("127.0.0.1", 0), Quiet, allow_reuse_address=False)
    if tls is not None:
        server.socket = tls.wrap_socket(server.socket, server_side=True)
    server.set_app(WSGIHandler())
    threading.Thread(target=server.serve_forever, daemon=True).start()
    scheme = "https" if tls is not None else "http"
    return server, f"{scheme}://127.0.0.1:{server.server_address[1]}"


def fill_queue(queue, count, language, source):
    """``count`` submissions of ``source`` in ``queue``, each for its own item."""
    from submissions import api

    payload = json.dumps({"language": language, "tests": TESTS})
    for index in range(count):
        # distinct items: creating a row retires the same item's earlier unfinished rows
        item = {"student_id": f"s{index}", "course_id": "course-v1:B+B+B", "item_id": f"{queue}-{index}"}
        api.create_external_grader_detail(
            {**item, "item_type": "problem"}, source, queue, f"k{index}", grader_payload=payload
        )


def grader(url, report, queue, workers, password, **options):
    """A supervisor of ``workers`` workers that stops once ``queue`` is empty."""
    from submissions.external_grader.grader.worker import GraderConfig, Supervisor

    config = GraderConfig(
        server=url,
        queue=queue,
        username="bench",
        password=password,
        workers=workers,
        poll_interval=0.05,
        exit_when_empty=True,
        **options,
    )
    return Supervisor(config, report)


def end_to_end(url, report, language, count, workers, password):
    from submissions.external_grader.models import ExternalGraderDetail

    queue = f"bench-{language}"
    fill_queue(queue, count, language, PROGRAMS[language])
    supervisor = grader(url, report, queue, workers, password)
    started = time.monotonic()
    supervisor.run()
    elapsed = time.monotonic() - started
    retired = ExternalGraderDetail.objects.filter(queue_name=queue, status="retired").count()
    correct = sum(
        1
        for reply in ExternalGraderDetail.objects.filter(queue_name=queue).values_list("grader_reply", flat=True)
        if reply and json.loads(reply)["correct"]
    )
    return {
        "language": language,
        "submissions": count,
        "retired": retired,
        "correct": correct,
        "seconds": elapsed,
        "per_second": retired / elapsed if elapsed else 0.0,
    }


def overhead(report, runs):
    """Median ms per run: bare, sandboxed with the disk cap (a private tmpfs per run) and without it, interleaved."""
    from submissions.external_grader.grader.limits import Limits

    box = report.sandbox(0)
    plain = report.sandbox(1, private_tmpfs=False)  # bwrap's tmpfs: the scratch space before issue 14.1
    app = box.new_dir("bench-")
    work = box.new_dir("work-")
    gcc = shutil.which("gcc")
    targets = {"true": ["/usr/bin/true"], "python": ["/usr/bin/python3", "-c", "print('hello')"]}
    if gcc:
        with open(os.path.join(app, "hello.c"), "w") as handle:
            handle.write('#include <stdio.h>\nint main(void){puts("hello");return 0;}\n')
        subprocess.run([gcc, "-O2", "-o", os.path.join(app, "hello"), os.path.join(app, "hello.c")], check=True)
        targets["c"] = [os.path.join(app, "hello")]
    results = {}
    for name, argv in targets.items():
        bare, capped, uncapped = [], [], []
        inside = ["{app}/hello"] if name == "c" else argv
        for _ in range(runs):
            started = time.perf_counter()
            subprocess.run(argv, stdout=subprocess.DEVNULL, check=True)
            bare.append(time.perf_counter() - started)
            for sandbox, times in ((box, capped), (plain, uncapped)):
                started = time.perf_counter()
                result = sandbox.run(inside, app_dir=app, work_dir=work, limits=Limits())
                times.append(time.perf_counter() - started)
                assert result.ok, result
        results[name] = tuple(statistics.median(times) * 1000 for times in (bare, capped, uncapped))
    box.cleanup()
    plain.cleanup()
    return results


class EchoPlugin:
    """Grades instantly (no sandbox): the client A/B measures the protocol, not the learner's program."""

    def __init__(self, **options):
        pass

    def grade(self, request, sandbox):
        return {"correct": True, "score": 1.0, "msg": "ok"}


def make_client(variant, url, password, tls_client):
    """``after``: today's client (one keep-alive connection); ``before``: urllib, a connection per request."""
    from submissions.external_grader.grader.client import Response, TransientError, XQueueClient

    if variant == "after":
        return XQueueClient(url, "bench", password, ssl_context=tls_client)

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args):
            return None

    class UrllibClient(XQueueClient):
        """The transport of the client before keep-alive (urllib.request), with today's protocol logic."""

        def __init__(self):
            super().__init__(url, "bench", password, ssl_context=tls_client)
            handlers = [urllib.request.HTTPCookieProcessor(self.jar), NoRedirect()]
            if tls_client is not None:
                handlers.append(urllib.request.HTTPSHandler(context=tls_client))
            self.opener = urllib.request.build_opener(*handlers)

        def _send(self, method, path, *, params=None, data=None, headers=None):
            full = self.url(path) + ("?" + urllib.parse.urlencode(params) if params else "")
            body = urllib.parse.urlencode(data).encode() if data is not None else None
            request = urllib.request.Request(full, data=body, method=method)
            request.add_header("Accept", "application/json")
            if body is not None:
                request.add_header("Content-Type", "application/x-www-form-urlencoded")
            for key, value in {**self.headers, **(headers or {})}.items():
                request.add_header(key, value)
            try:
                with self.opener.open(request, timeout=self.timeout) as response:
                    self.connections += 1
                    return Response(response.status, response.read(), dict(response.headers))
            except urllib.error.HTTPError as exc:
                self.connections += 1
                with exc:
                    return Response(exc.code, exc.read(), dict(exc.headers))
            except (TimeoutError, urllib.error.URLError, http.client.HTTPException, OSError) as exc:
                raise TransientError(f"{method} {path}: {exc!r}") from exc

    return UrllibClient()


def tls_contexts(tmp):
    """A self-signed certificate for 127.0.0.1 (openssl): the server's context and a client trusting it."""
    cert, key = os.path.join(tmp, "cert.pem"), os.path.join(tmp, "key.pem")
    command = ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1"]
    command += ["-addext", "subjectAltName=IP:127.0.0.1", "-keyout", key, "-out", cert]
    subprocess.run(command, check=True, capture_output=True)
    server = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server.load_cert_chain(cert, key)
    return server, ssl.create_default_context(cafile=cert)


def client_round(server, url, report, variant, count, workers, password, tls_client, name):
    """Grade ``count`` items with ``workers`` workers using the ``variant`` client; items/s and connections."""
    from submissions.external_grader.models import ExternalGraderDetail

    fill_queue(name, count, "python", "x")
    supervisor = grader(url, report, name, workers, password, plugin="__main__:EchoPlugin")
    for worker in supervisor.workers:
        worker.client = make_client(variant, url, password, tls_client)
    accepted = server.accepted
    started, cpu = time.perf_counter(), time.process_time()
    supervisor.run()
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    retired = ExternalGraderDetail.objects.filter(queue_name=name, status="retired").count()
    assert retired == count and supervisor.exit_status == 0, (retired, supervisor.reason)
    return {"per_second": count / elapsed, "cpu_ms": cpu * 1000 / count, "connections": server.accepted - accepted}


def idle_polls(server, url, variant, count, password, tls_client, queue):
    """``count`` polls of the emptied ``queue`` by one logged-in client: polls/s and connections."""
    client = make_client(variant, url, password, tls_client)
    client.login()
    accepted = server.accepted
    started, cpu = time.perf_counter(), time.process_time()
    for _ in range(count):
        assert client.get_submission(queue) is None
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    client.logout()
    return {"per_second": count / elapsed, "cpu_ms": cpu * 1000 / count, "connections": server.accepted - accepted}


def client_ab(args, report, password, tmp):
    print(
        f"\nclient A/B (before: urllib, a connection per request; after: one keep-alive connection per worker), "
        f"{args.ab_rounds} interleaved rounds, medians: {args.ab_polls} idle polls by one client; "
        f"{args.ab_items} items graded instantly by {args.workers} workers. CPU: the whole process (client and "
        "in-process server) per poll / per item"
    )
    print(
        f"{'transport':9} {'client':7} {'polls/s':>8} {'cpu ms':>7} {'conn':>5} "
        f"{'items/s':>8} {'cpu ms':>7} {'conn':>5} {'conn/item':>9}"
    )
    schemes = [("http", None, None)]
    if shutil.which("openssl"):
        schemes.append(("https", *tls_contexts(tmp)))
    for scheme, tls_server, tls_client in schemes:
        server, url = serve(tls_server)
        rows = {"before": [], "after": []}
        for round_index in range(args.ab_rounds):
            order = ("before", "after") if round_index % 2 == 0 else ("after", "before")
            for variant in order:
                name = f"ab-{scheme}-{variant}-{round_index}"
                grading = client_round(
                    server, url, report, variant, args.ab_items, args.workers, password, tls_client, name
                )
                polls = idle_polls(server, url, variant, args.ab_polls, password, tls_client, name)
                rows[variant].append((polls, grading))
        server.shutdown()
        for variant in ("before", "after"):
            polls = [p for p, _ in rows[variant]]
            grading = [g for _, g in rows[variant]]
            conns = statistics.median(g["connections"] for g in grading)
            print(
                f"{scheme:9} {variant:7} {_median(polls, 'per_second'):8.0f} {_median(polls, 'cpu_ms'):7.2f} "
                f"{_median(polls, 'connections'):5.0f} {_median(grading, 'per_second'):8.1f} "
                f"{_median(grading, 'cpu_ms'):7.2f} {conns:5.0f} {conns / args.ab_items:9.2f}"
            )


def _median(rows, key):
    return statistics.median(row[key] for row in rows)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--per-language", type=int, default=20)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--languages", default="python,javascript,java,c,cpp")
    parser.add_argument("--sections", default="overhead,languages,client")
    parser.add_argument("--ab-items", type=int, default=100)
    parser.add_argument("--ab-rounds", type=int, default=3)
    parser.add_argument("--ab-polls", type=int, default=200)
    args = parser.parse_args()
    sections = set(args.sections.split(","))

    from submissions.external_grader.grader.languages import get_language
    from submissions.external_grader.grader.probe import probe

    report = probe()
    print(f"isolation level: {report.level}; missing: {'; '.join(report.missing) or 'nothing'}")
    if report.level == "none":
        print("no sandbox available: refusing to benchmark learner code without isolation")
        return 3

    if "overhead" in sections:
        print(f"\nsandbox per-run overhead (median of {args.runs} interleaved runs, ms)")
        print(f"{'program':10} {'bare':>8} {'sandbox':>8} {'overhead':>9} {'w/o disk cap':>13}")
        for name, (bare, boxed, uncapped) in overhead(report, args.runs).items():
            print(f"{name:10} {bare:8.1f} {boxed:8.1f} {boxed - bare:9.1f} {uncapped:13.1f}")

    tmp = tempfile.mkdtemp(prefix="grader-bench-")
    try:
        configure(tmp)
        from django.contrib.auth.models import Group, User
        from django.core.management import call_command

        from submissions.external_grader.hashers import set_grader_password

        call_command("migrate", verbosity=0)
        password = "bench-" + os.urandom(8).hex()
        user = User.objects.create(username="bench")
        user.groups.add(Group.objects.create(name="xqueue"))
        set_grader_password(user, password)
        if "client" in sections:
            client_ab(args, report, password, tmp)
        if "languages" not in sections:
            return 0
        server, url = serve()
        print(
            f"\nend to end through the XQueue HTTP protocol: {args.per_language} submissions per language, "
            f"2 test cases each, {args.workers} workers, {os.cpu_count()} CPUs"
        )
        print(f"{'language':11} {'graded':>6} {'correct':>7} {'seconds':>8} {'subs/s':>7} {'s/sub/worker':>12}")
        for language in args.languages.split(","):
            if get_language(language).missing_tools():
                print(f"{language:11} skipped: runtime not installed")
                continue
            row = end_to_end(url, report, language, args.per_language, args.workers, password)
            per_sub = row["seconds"] * args.workers / max(1, row["retired"])
            print(
                f"{language:11} {row['retired']:6d} {row['correct']:7d} {row['seconds']:8.2f} "
                f"{row['per_second']:7.2f} {per_sub:12.3f}"
            )
        server.shutdown()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
