"""
Reference-grader benchmark: end-to-end throughput per language, and the sandbox's per-run overhead.

End to end: a real Django server (this library's XQueue endpoints on SQLite, in-process threaded WSGI on
127.0.0.1) holds N submissions per language; the reference grader (W workers, sandbox at the detected
level) pulls them over HTTP, compiles and runs two test cases per submission, and posts the results. We
time from grader start to the last recorded score.

Overhead: median wall time of R runs of a hello-world, bare (``subprocess.run``) versus in the sandbox.

    python bench/grader_throughput.py [--per-language 20] [--workers 2] [--runs 30] [--languages python,c]
"""

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
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


def serve():
    from django.core.handlers.wsgi import WSGIHandler
    from django.core.servers.basehttp import ThreadedWSGIServer, WSGIRequestHandler

    class Quiet(WSGIRequestHandler):
        def log_message(self, *args):
            pass

    server = ThreadedWSGIServer(("127.0.0.1", 0), Quiet, allow_reuse_address=False)
    server.set_app(WSGIHandler())
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


def end_to_end(url, report, language, count, workers, password):
    from submissions import api
    from submissions.external_grader.grader.worker import GraderConfig, Supervisor
    from submissions.external_grader.models import ExternalGraderDetail

    queue = f"bench-{language}"
    payload = json.dumps({"language": language, "tests": TESTS})
    for index in range(count):
        item = {
            "student_id": f"s{index}",
            "course_id": "course-v1:B+B+B",
            "item_id": f"p-{language}",
            "item_type": "problem",
        }
        # distinct items: creating a row retires the same item's earlier unfinished rows
        item["item_id"] += f"-{index}"
        api.create_external_grader_detail(item, PROGRAMS[language], queue, f"k{index}", grader_payload=payload)
    config = GraderConfig(
        server=url,
        queue=queue,
        username="bench",
        password=password,
        workers=workers,
        poll_interval=0.05,
        exit_when_empty=True,
    )
    supervisor = Supervisor(config, report)
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
    from submissions.external_grader.grader.limits import Limits

    box = report.sandbox(0)
    app = box.new_dir("bench-")
    gcc = shutil.which("gcc")
    targets = {"true": ["/usr/bin/true"], "python": ["/usr/bin/python3", "-c", "print('hello')"]}
    if gcc:
        with open(os.path.join(app, "hello.c"), "w") as handle:
            handle.write('#include <stdio.h>\nint main(void){puts("hello");return 0;}\n')
        subprocess.run([gcc, "-O2", "-o", os.path.join(app, "hello"), os.path.join(app, "hello.c")], check=True)
        targets["c"] = [os.path.join(app, "hello")]
    results = {}
    for name, argv in targets.items():
        bare, boxed = [], []
        for _ in range(runs):
            started = time.perf_counter()
            subprocess.run(argv, stdout=subprocess.DEVNULL, check=True)
            bare.append(time.perf_counter() - started)
            inside = ["{app}/hello"] if name == "c" else argv
            started = time.perf_counter()
            result = box.run(inside, app_dir=app, limits=Limits())
            boxed.append(time.perf_counter() - started)
            assert result.ok, result
        results[name] = (statistics.median(bare) * 1000, statistics.median(boxed) * 1000)
    box.cleanup()
    return results


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--per-language", type=int, default=20)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--languages", default="python,javascript,java,c,cpp")
    args = parser.parse_args()

    from submissions.external_grader.grader.languages import get_language
    from submissions.external_grader.grader.probe import probe

    report = probe()
    print(f"isolation level: {report.level}; missing: {'; '.join(report.missing) or 'nothing'}")
    if report.level == "none":
        print("no sandbox available: refusing to benchmark learner code without isolation")
        return 3

    print(f"\nsandbox per-run overhead (median of {args.runs} runs, ms)")
    print(f"{'program':10} {'bare':>8} {'sandbox':>8} {'overhead':>9}")
    for name, (bare, boxed) in overhead(report, args.runs).items():
        print(f"{name:10} {bare:8.1f} {boxed:8.1f} {boxed - bare:9.1f}")

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
