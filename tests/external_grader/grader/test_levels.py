"""The probe's report, the refusal of level 'none', and the reduced level's code path (root workers)."""

import json
import os
import shutil
import subprocess
import sys

import pytest

from submissions.external_grader.grader.limits import Limits, Verdict
from submissions.external_grader.grader.probe import InsecureSandboxError, ProbeReport, probe
from submissions.external_grader.grader.sandbox import Level, Sandbox

from .conftest import TEST_SLOT_UID_BASE


def _report(level):
    return ProbeReport(
        level=Level(level),
        root=False,
        bwrap=None,
        user_namespaces=False,
        disable_userns=False,
        slot_uids=False,
        cgroup_memory=False,
        cgroup_pids=False,
        disk_limit=None,
        missing=["bubblewrap"],
    )


def test_level_none_is_refused_unless_allowed():
    with pytest.raises(InsecureSandboxError, match="Refusing to run learner code"):
        _report("none").require(allow_insecure=False)
    _report("none").require(allow_insecure=True)
    _report("full").require(allow_insecure=False)


def test_without_bubblewrap_the_probe_never_reports_full():
    report = probe(bwrap="no-such-bwrap-binary", slot_uid_base=TEST_SLOT_UID_BASE)
    assert report.level != Level.FULL
    assert any("bubblewrap" in item for item in report.missing)
    expected = Level.REDUCED if os.geteuid() == 0 else Level.NONE
    assert report.level == expected


def test_cli_probe_prints_the_report():
    out = subprocess.run(
        [sys.executable, "-m", "submissions.external_grader.grader", "--probe", "--log-level", "WARNING"],
        capture_output=True,
        text=True,
        check=True,
    )
    report = json.loads(out.stdout)
    assert report["level"] in ("full", "reduced", "none")
    assert set(report["languages"]) == {"python", "javascript", "java", "c", "cpp"}


def test_cli_refuses_to_start_at_level_none_without_the_flag():
    if os.geteuid() == 0 and shutil.which("bwrap"):
        pytest.skip("this machine reaches a real isolation level; 'none' cannot be produced as root")
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "submissions.external_grader.grader",
            "--server",
            "http://127.0.0.1:9",
            "--queue",
            "q",
            "--username",
            "u",
            "--password",
            "p",
        ],
        capture_output=True,
        text=True,
    )
    assert out.returncode == 3
    assert "Refusing to run learner code" in out.stderr


@pytest.fixture
def reduced():
    if os.geteuid() != 0:
        pytest.skip("the reduced level needs a root worker")
    box = Sandbox(
        Level.REDUCED, slot_uid=TEST_SLOT_UID_BASE + 20, cgroups=probe(slot_uid_base=TEST_SLOT_UID_BASE).cgroups
    )
    yield box
    box.cleanup()


def _run_python(box, code, limits=None, app_writable=False):
    app = box.new_dir("app-")
    work = box.new_dir("work-")
    with open(os.path.join(app, "main.py"), "w") as handle:
        handle.write(code)
    try:
        return box.run(
            ["/usr/bin/python3", "-I", "-B", "{app}/main.py"],
            app_dir=app,
            work_dir=work,
            limits=limits or Limits(),
            app_writable=app_writable,
        )
    finally:
        shutil.rmtree(app, ignore_errors=True)
        shutil.rmtree(work, ignore_errors=True)


def test_reduced_level_runs_as_the_slot_uid_with_a_clean_environment(reduced, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgres://secret")
    result = _run_python(reduced, "import os, json\nprint(json.dumps([os.getuid(), sorted(os.environ)]))\n")
    assert result.verdict == Verdict.OK, result
    uid, names = json.loads(result.stdout)
    assert uid == TEST_SLOT_UID_BASE + 20
    assert set(names) <= {"PATH", "LANG", "LC_ALL", "HOME", "TMPDIR"}


def test_reduced_level_keeps_artefacts_read_only_and_host_files_closed(reduced):
    code = (
        "import os\nout = []\n"
        "for path in (os.path.join(os.path.dirname(__file__), 'x'), '/etc/pwned', '/root/pwned'):\n"
        "    try:\n        open(path, 'w'); out.append('WROTE')\n"
        "    except OSError as exc:\n        out.append(type(exc).__name__)\n"
        "try:\n    open('/etc/shadow').read(); out.append('READ')\n"
        "except OSError as exc:\n    out.append(type(exc).__name__)\n"
        "open('ok.txt', 'w').write('work dir is writable')\n"
        "print(' '.join(out))\n"
    )
    result = _run_python(reduced, code)
    assert result.verdict == Verdict.OK, result
    assert "WROTE" not in result.stdout.decode() and "READ" not in result.stdout.decode()
    assert not os.path.exists("/etc/pwned")


def test_reduced_level_enforces_cpu_memory_and_processes(reduced):
    assert _run_python(reduced, "while True: pass\n", Limits(cpu_seconds=1)).verdict == Verdict.CPU_LIMIT
    hog = "x = []\nwhile True:\n    x.append(b'm' * (1 << 20))\n"
    assert _run_python(reduced, hog, Limits(memory_bytes=96 * 1024 * 1024)).verdict == Verdict.MEMORY_LIMIT
    bomb = (
        "import os, time\nn = 0\nfor _ in range(2000):\n    try:\n        pid = os.fork()\n"
        "    except OSError:\n        break\n    if pid == 0:\n        time.sleep(3)\n        os._exit(0)\n"
        "    n += 1\nprint(n)\n"
    )
    result = _run_python(reduced, bomb, Limits(processes=24, wall_seconds=10))
    assert result.verdict == Verdict.OK, result
    assert 0 < int(result.stdout) < 24


def test_reduced_level_caps_the_work_dir_in_bytes_and_files(reduced):
    """No bwrap here: the run's private tmpfs is mounted on the host path of its work directory."""
    assert reduced.private_tmpfs
    filler = (
        "import os\nn = 0\ntry:\n    for i in range(64):\n        open(f'f{i}', 'wb').write(b'r' * (2 << 20)); n += 1\n"
        "except OSError as exc:\n    print(n, exc.errno)\n"
    )
    result = _run_python(reduced, filler, Limits(disk_bytes=8 * 1024 * 1024))
    assert result.verdict == Verdict.DISK_LIMIT, result
    written, code = result.stdout.split()
    assert int(written) <= 4 and code == b"28"
    files = (
        "n = 0\ntry:\n    for i in range(3000):\n        open(f'e{i}', 'w').close(); n += 1\n"
        "except OSError:\n    print(n)\n"
    )
    result = _run_python(reduced, files, Limits(disk_files=100))
    assert result.verdict == Verdict.DISK_LIMIT, result
    assert int(result.stdout) <= 100


NON_ROOT_SCRIPT = """
import json
from submissions.external_grader.grader.limits import Limits
from submissions.external_grader.grader.probe import probe
report = probe()
box = report.sandbox(0)
app = box.new_dir("a-")
with open(app + "/m.py", "w") as handle:
    handle.write(
        "import os, time\\nn = 0\\nfor _ in range(3000):\\n    try:\\n        pid = os.fork()\\n"
        "    except OSError:\\n        break\\n    if pid == 0:\\n        time.sleep(2)\\n        os._exit(0)\\n"
        "    n += 1\\nprint(n)\\n"
    )
result = box.run(["/usr/bin/python3", "{app}/m.py"], app_dir=app, limits=Limits(processes=30))
with open(app + "/d.py", "w") as handle:
    handle.write("n = 0\\ntry:\\n    for i in range(3000):\\n        open(f'e{i}', 'w').close(); n += 1\\n"
                 "except OSError:\\n    print(n)\\n")
work = box.new_dir("w-")
disk = box.run(["/usr/bin/python3", "{app}/d.py"], app_dir=app, work_dir=work, limits=Limits(disk_files=50))
box.cleanup()
print(json.dumps({"level": report.level, "missing": report.missing, "verdict": result.verdict,
                  "forks": int(result.stdout or 0), "disk_verdict": disk.verdict, "files": disk.stdout.decode()}))
"""


def test_non_root_worker_gets_full_isolation_and_a_process_bound():
    """A grader run by an ordinary user: no slot UIDs or cgroups, but bwrap and RLIMIT_NPROC still apply."""
    setpriv = shutil.which("setpriv")
    if os.geteuid() != 0 or not setpriv or not os.path.exists("/usr/bin/python3"):
        pytest.skip("needs root (to become an ordinary user), setpriv and the system python3")
    code_root = os.path.dirname(os.path.dirname(os.path.abspath(__import__("submissions").__file__)))
    out = subprocess.run(
        [setpriv, "--reuid=65534", "--regid=65534", "--clear-groups", "/usr/bin/python3", "-c", NON_ROOT_SCRIPT],
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": code_root},
        cwd="/",
        capture_output=True,
        text=True,
    )
    if out.returncode and "Permission denied" in out.stderr:
        pytest.skip(f"the library's code is not readable by an ordinary user here: {out.stderr[-200:]}")
    assert out.returncode == 0, out.stderr
    report = json.loads(out.stdout.splitlines()[-1])
    if report["level"] != "full":
        pytest.skip(f"unprivileged user namespaces unavailable: detected level is {report['level']!r}")
    assert any("per-slot UIDs" in item for item in report["missing"])
    assert report["verdict"] == "ok"
    assert 0 < report["forks"] < 30
    # an unprivileged worker caps the scratch space too (a user namespace of its own lets it mount the tmpfs)
    assert report["disk_verdict"] == "disk_limit", report
    assert 0 < int(report["files"]) <= 50
