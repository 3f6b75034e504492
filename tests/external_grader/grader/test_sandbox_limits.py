"""
One test per sandbox limit (sandbox spec §3). Each runs a hostile program and asserts the limit holds,
the verdict is the expected one, and the sandbox keeps working (the ``box`` fixture runs a last program).
Tests that need a feature the detected level lacks are skipped, naming the level.
"""

import json
import os
import resource
import socket
import time

import pytest

import submissions
from submissions.external_grader.grader.cgroups import PARENT
from submissions.external_grader.grader.limits import Limits, MiB, Verdict
from submissions.external_grader.grader.sandbox import Level

from .conftest import TEST_SLOT_UID_BASE, require

PY_FORK_BOMB = """
import os, time
count = 0
for _ in range(3000):
    try:
        pid = os.fork()
    except OSError:
        break
    if pid == 0:
        time.sleep(3)
        os._exit(0)
    count += 1
print(count, flush=True)
"""

C_FORK_BOMB = r"""
#include <stdio.h>
#include <unistd.h>
int main(void) {
    int count = 0;
    for (int i = 0; i < 3000; i++) {
        pid_t pid = fork();
        if (pid < 0) break;
        if (pid == 0) { sleep(3); _exit(0); }
        count++;
    }
    printf("%d\n", count);
    return 0;
}
"""


def _slot_processes(uid, wait=2.0):
    """Live (non-zombie) processes of ``uid``, after giving the kernel ``wait`` seconds to reap the killed."""
    deadline = time.monotonic() + wait
    while True:
        found = []
        for entry in os.listdir("/proc"):
            if entry.isdigit():
                try:
                    if os.stat(f"/proc/{entry}").st_uid != uid:
                        continue
                    with open(f"/proc/{entry}/stat") as handle:
                        state = handle.read().rpartition(")")[2].split()[0]
                except (FileNotFoundError, ProcessLookupError, IndexError):
                    continue
                if state not in ("Z", "X"):
                    found.append((int(entry), state))
        if not found or time.monotonic() > deadline:
            return found
        time.sleep(0.05)


def _leftover_cgroups():
    left = []
    for controller in ("memory", "pids"):
        parent = os.path.join("/sys/fs/cgroup", controller, PARENT)
        if os.path.isdir(parent):
            left += [name for name in os.listdir(parent) if name.startswith(f"run-{os.getpid()}-")]
    return left


def _needs_process_limit(isolation):
    if not (isolation.cgroup_pids or isolation.slot_uids):
        pytest.skip(f"no process limit (no pids cgroup, no slot UID) at detected level {isolation.level!r}")


@pytest.mark.parametrize("language", ["python", "c"])
def test_fork_bomb_is_bounded_and_does_not_starve_the_next_run(isolation, runner, language):
    _needs_process_limit(isolation)
    limits = Limits(processes=32, wall_seconds=10)
    counts = []
    for _ in range(2):  # back to back: the first run must leave nothing that counts against the second
        result = runner.python(PY_FORK_BOMB, limits) if language == "python" else runner.c(C_FORK_BOMB, limits)
        assert result.verdict == Verdict.OK, result
        counts.append(int(result.stdout))
    assert all(0 < count < 32 for count in counts), counts
    assert counts[1] >= counts[0] // 2, f"second run starved: {counts}"
    assert not _leftover_cgroups()
    if isolation.slot_uids:
        assert not _slot_processes(TEST_SLOT_UID_BASE)


def test_infinite_loop_gets_the_cpu_verdict(isolation, runner):
    result = runner.python("while True:\n    pass\n", Limits(cpu_seconds=1, wall_seconds=8))
    assert result.verdict == Verdict.CPU_LIMIT, result
    assert result.signal == 24  # SIGXCPU (bwrap relays it as exit status 152)
    assert result.wall_time >= 0.9
    if isolation.cgroups is not None and isolation.cgroups.cpuacct:
        # within the limit + 1 s of CPU (wall time depends on the load; accounting differs slightly from rlimits)
        assert 0.5 <= result.cpu_time < 1 + 1.0
    assert "CPU time" in result.message


def test_sleep_gets_the_wall_verdict_and_leaves_no_process(isolation, runner):
    # The program also detaches a grandchild into its own session, which a process-group kill alone misses.
    code = "import os, time\nif os.fork() == 0:\n    os.setsid()\n    time.sleep(60)\ntime.sleep(30)\n"
    result = runner.python(code, Limits(cpu_seconds=1, wall_seconds=1.5))
    assert result.verdict == Verdict.WALL_LIMIT, result
    assert 1.45 <= result.wall_time < 2.2, result.wall_time  # killed at the wall limit (slack for a loaded host)
    assert "longer than allowed" in result.message
    assert not _leftover_cgroups()
    if isolation.slot_uids:
        assert not _slot_processes(TEST_SLOT_UID_BASE)


def test_python_memory_hog_hits_the_address_space_limit(runner):
    code = "chunks = []\nfor _ in range(4096):\n    chunks.append(b'x' * (1 << 20))\nprint(len(chunks))\n"
    result = runner.python(code, Limits(memory_bytes=128 * MiB))
    assert result.verdict == Verdict.MEMORY_LIMIT, result
    assert b"MemoryError" in result.stderr
    assert "Memory limit" in result.message


def test_python_memory_hog_is_oom_killed_by_the_memory_cgroup(isolation, runner):
    require(isolation, Level.FULL, Level.REDUCED, feature="cgroup_memory")
    code = "chunks = []\nfor _ in range(4096):\n    chunks.append(b'x' * (1 << 20))\nprint(len(chunks))\n"
    result = runner.python(code, Limits(memory_bytes=128 * MiB, address_space=False))
    assert result.verdict == Verdict.MEMORY_LIMIT, result
    assert result.oom_killed
    assert result.stdout == b""


C_MEMORY_HOG = r"""
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
int main(void) {
    int mib = 0;
    for (; mib < 4096; mib++) {
        char *p = malloc(1 << 20);
        if (!p) { printf("malloc failed at %d\n", mib); return 0; }
        memset(p, 1, 1 << 20);
    }
    printf("allocated %d\n", mib);
    return 0;
}
"""


def test_c_memory_hog_gets_null_from_malloc(runner):
    result = runner.c(C_MEMORY_HOG, Limits(memory_bytes=128 * MiB))
    assert result.verdict == Verdict.OK, result
    words = result.stdout.split()
    assert words[:2] == [b"malloc", b"failed"], result.stdout
    assert int(words[-1]) < 128


def test_c_memory_hog_is_oom_killed_without_address_space_limit(isolation, runner):
    require(isolation, Level.FULL, Level.REDUCED, feature="cgroup_memory")
    result = runner.c(C_MEMORY_HOG, Limits(memory_bytes=128 * MiB, address_space=False))
    assert result.verdict == Verdict.MEMORY_LIMIT, result
    assert result.oom_killed


def test_huge_output_is_capped_and_worker_memory_stays_flat(runner):
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    code = "import sys\nchunk = 'y' * 65536\nfor _ in range(2000):\n    sys.stdout.write(chunk)\n"  # 125 MiB
    result = runner.python(code, Limits(file_size=8 * MiB))
    assert result.verdict == Verdict.OUTPUT_LIMIT, result
    assert len(result.stdout) == 8 * MiB
    assert "Output limit" in result.message
    capped = runner.python(code, Limits(file_size=8 * MiB, output_cap=64 * 1024))
    assert len(capped.stdout) == 64 * 1024 and capped.stdout_truncated
    grown_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
    assert grown_kib < 64 * 1024, f"worker memory grew by {grown_kib} KiB"


def test_c_huge_output_is_killed_by_sigxfsz(runner):
    code = "#include <stdio.h>\nint main(void){for(long i=0;i<(1L<<30);i++)putchar(120);return 0;}\n"
    result = runner.c(code, Limits(file_size=4 * MiB))
    assert result.verdict == Verdict.OUTPUT_LIMIT, result
    assert result.signal == 25  # SIGXFSZ
    assert len(result.stdout) == 4 * MiB


def test_huge_file_fails_with_efbig(runner):
    code = (
        "import errno\n"
        "try:\n"
        "    with open('big.bin', 'wb') as f:\n"
        "        for _ in range(1024):\n"
        "            f.write(b'z' * (1 << 20))\n"
        "except OSError as exc:\n"
        "    print(errno.errorcode[exc.errno]); import os; print(os.path.getsize('big.bin'))\n"
    )
    result = runner.python(code, Limits(file_size=4 * MiB))
    assert result.stdout.split() == [b"EFBIG", str(4 * MiB).encode()], result


def test_many_files_fill_the_private_tmp(isolation, runner):
    require(isolation, Level.FULL)
    code = (
        "import errno\n"
        "count = 0\n"
        "try:\n"
        "    for i in range(10000):\n"
        "        with open(f'/tmp/f{i}', 'wb') as f:\n"
        "            f.write(b'q' * (256 * 1024))\n"
        "        count += 1\n"
        "except OSError as exc:\n"
        "    print(errno.errorcode[exc.errno], count)\n"
    )
    result = runner.python(code, Limits(disk_bytes=8 * MiB, memory_bytes=256 * MiB))
    name, count = result.stdout.split()
    assert name == b"ENOSPC", result
    assert int(count) <= 32
    assert result.verdict == Verdict.DISK_LIMIT


def test_network_connection_to_a_host_loopback_listener_fails(isolation, runner):
    require(isolation, Level.FULL)
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    listener.setblocking(False)
    port = listener.getsockname()[1]
    code = (
        "import socket\n"
        "s = socket.socket(); s.settimeout(2)\n"
        f"try:\n    s.connect(('127.0.0.1', {port})); print('CONNECTED')\n"
        "except OSError as exc:\n    print(type(exc).__name__, exc.errno)\n"
        "try:\n    socket.getaddrinfo('example.org', 80); print('RESOLVED')\n"
        "except OSError as exc:\n    print('DNS', type(exc).__name__)\n"
    )
    try:
        result = runner.python(code)
        assert result.verdict == Verdict.OK, result
        lines = result.stdout.decode().splitlines()
        assert lines[0].startswith(("ConnectionRefusedError", "OSError")), lines
        assert lines[1].startswith("DNS"), lines
        with pytest.raises(BlockingIOError):
            listener.accept()  # nothing ever reached the host listener
    finally:
        listener.close()


def test_writes_outside_the_work_dir_and_host_secrets_fail(isolation, box, runner, tmp_path):
    require(isolation, Level.FULL)
    secret = tmp_path / "secret-settings.py"
    secret.write_text("SECRET_KEY = 'do-not-leak'\n")
    secret.chmod(0o644)  # readable by anyone on the host: only the sandbox's mount namespace hides it
    sibling = box.new_dir("sibling-")
    with open(os.path.join(sibling, "marker"), "w") as handle:
        handle.write("other learner")
    os.chmod(sibling, 0o755)
    code_dir = os.path.dirname(submissions.__file__)
    targets = {
        "etc": "/etc/pwned",
        "home": os.path.join(os.path.expanduser("~"), "pwned"),
        "code": os.path.join(code_dir, "pwned.py"),
        "sibling": os.path.join(sibling, "pwned"),
        "root": "/pwned",
        "app": "/app/pwned",
    }
    reads = {"shadow": "/etc/shadow", "secret": str(secret), "sibling_marker": os.path.join(sibling, "marker")}
    code = (
        "import json\nout = {}\n"
        f"for key, path in {targets!r}.items():\n"
        "    try:\n        open(path, 'w').write('x'); out[key] = 'WROTE'\n"
        "    except OSError as exc:\n        out[key] = type(exc).__name__\n"
        f"for key, path in {reads!r}.items():\n"
        "    try:\n        out[key] = 'READ ' + open(path).read()\n"
        "    except OSError as exc:\n        out[key] = type(exc).__name__\n"
        "print(json.dumps(out))\n"
    )
    result = runner.python(code)
    assert result.verdict == Verdict.OK, result
    outcome = json.loads(result.stdout)
    assert not [key for key, value in outcome.items() if value.startswith(("WROTE", "READ"))], outcome
    for path in targets.values():
        if not path.startswith("/app"):
            assert not os.path.exists(path), path


def test_environment_holds_only_whitelisted_variables(runner, monkeypatch):
    monkeypatch.setenv("DJANGO_SETTINGS_MODULE", "host.settings")
    monkeypatch.setenv("DATABASE_URL", "postgres://grader:hunter2@db/lms")
    monkeypatch.setenv("XQUEUE_PASSWORD", "hunter2")
    result = runner.python("import os, json\nprint(json.dumps(dict(os.environ)))\n")
    env = json.loads(result.stdout)
    assert set(env) <= {"PATH", "LANG", "LC_ALL", "HOME", "TMPDIR", "PWD"}, env
    assert "hunter2" not in result.stdout.decode()


def test_no_privileges_inside(isolation, runner):
    require(isolation, Level.FULL)
    code = (
        "import subprocess\n"
        "status = dict(l.split(':', 1) for l in open('/proc/self/status'))\n"
        "print(status['CapEff'].strip(), status['NoNewPrivs'].strip())\n"
        "r = subprocess.run(['unshare', '-Ur', 'true'], capture_output=True)\n"
        "print(r.returncode)\n"
        "import os; print(os.getuid())\n"
    )
    result = runner.python(code)
    cap_eff, no_new_privs, unshare_rc, uid = result.stdout.decode().split()
    assert int(cap_eff, 16) == 0
    assert no_new_privs == "1"
    assert unshare_rc != "0"
    assert uid != "0"
