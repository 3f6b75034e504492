"""
The run's scratch space (``/work`` and ``/tmp``) is capped in bytes and in files, with the real sandbox
(issue 14 point 1): a submission cannot fill the grader host's disk, and the learner is told "Disk limit
exceeded". Tests that need the private tmpfs are skipped, naming the detected level, where the probe found
only bwrap's size-capped tmpfs.
"""

import os
import shutil

import pytest

from submissions.external_grader.grader.limits import Limits, MiB, Verdict
from submissions.external_grader.grader.probe import DISK_BYTES_AND_FILES
from submissions.external_grader.grader.sandbox import Level

from .conftest import require

WRITE_BYTES = """
import os
written = 0
try:
    for i in range(12):  # 48 MiB in 4 MiB files (each under the 8 MiB file-size limit)
        with open(f"{DIRECTORY}/f{i}", "wb") as handle:
            for _ in range(4):
                handle.write(b"d" * (1 << 20))
                written += 1 << 20
    print("wrote", written)
except OSError as exc:
    print("stopped", written, exc.errno)
    raise
"""

MANY_FILES = """
created = 0
try:
    for i in range(5000):
        open(f"f{i}", "w").close()
        created += 1
    print("created", created)
except OSError as exc:
    print("stopped", created, exc.errno)
    raise
"""


def _needs_private_tmpfs(isolation):
    if isolation.disk_limit != DISK_BYTES_AND_FILES:
        pytest.skip(f"no private tmpfs per run at detected level {isolation.level!r} ({isolation.disk_limit=})")


def test_work_dir_is_capped_in_bytes_and_the_learner_is_told(runner):
    result = runner.python(WRITE_BYTES.replace("{DIRECTORY}", "."), Limits(disk_bytes=16 * MiB))
    assert result.verdict == Verdict.DISK_LIMIT, result
    word, written, code = result.stdout.split()
    assert word == b"stopped" and code == b"28", result.stdout  # ENOSPC
    assert int(written) <= 16 * MiB
    assert result.message.startswith("Disk limit exceeded")


def test_work_dir_is_capped_in_files(isolation, runner):
    _needs_private_tmpfs(isolation)
    result = runner.python(MANY_FILES, Limits(disk_files=200))
    assert result.verdict == Verdict.DISK_LIMIT, result
    word, created, code = result.stdout.split()
    assert (word, code) == (b"stopped", b"28"), result.stdout
    assert 150 <= int(created) <= 200


def test_tmp_and_work_share_one_budget(isolation, runner):
    require(isolation, Level.FULL)
    _needs_private_tmpfs(isolation)
    code = (
        "import os\n"
        "open('/tmp/a', 'wb').write(b't' * (6 << 20))\n"
        "try:\n    open('/work/b', 'wb').write(b'w' * (6 << 20)); print('both')\n"
        "except OSError as exc:\n    print('second refused', exc.errno)\n"
    )
    result = runner.python(code, Limits(disk_bytes=10 * MiB))
    assert result.stdout.split()[:2] == [b"second", b"refused"], result
    assert result.verdict == Verdict.DISK_LIMIT


C_IGNORES_ERRORS = r"""
#include <stdio.h>
int main(void) {
    static char block[1 << 16];
    char name[16];
    for (int n = 0; n < 8; n++) {  /* 8 files of 4 MiB (under the file-size limit), errors ignored */
        snprintf(name, sizeof name, "junk%d", n);
        FILE *f = fopen(name, "wb");
        if (!f) continue;
        for (int i = 0; i < 64; i++) fwrite(block, 1, sizeof block, f);
        fclose(f);
    }
    puts("done");
    return 0;
}
"""


def test_a_program_that_ignores_write_errors_still_gets_the_disk_verdict(isolation, runner):
    """The verdict comes from the tmpfs's own counters, not from the program's error messages."""
    _needs_private_tmpfs(isolation)
    result = runner.c(C_IGNORES_ERRORS, Limits(disk_bytes=8 * MiB))
    assert result.stdout == b"done\n" and result.returncode == 0, result
    assert result.verdict == Verdict.DISK_LIMIT


def test_nothing_reaches_the_host_and_the_space_is_fresh_per_run(box):
    app, work = box.new_dir("app-"), box.new_dir("work-")
    with open(os.path.join(app, "main.py"), "w") as handle:
        handle.write("import os\nprint(sorted(os.listdir('.')))\nopen('left-behind', 'w').write('x' * 4096)\n")
    try:
        first = box.run(["/usr/bin/python3", "-I", "{app}/main.py"], app_dir=app, work_dir=work)
        assert first.verdict == Verdict.OK, first
        assert os.listdir(work) == []  # the learner's file lived in the run's tmpfs only
        second = box.run(["/usr/bin/python3", "-I", "{app}/main.py"], app_dir=app, work_dir=work)
        assert second.stdout == b"[]\n", second  # a fresh, empty work directory
    finally:
        shutil.rmtree(app, ignore_errors=True)
        shutil.rmtree(work, ignore_errors=True)


def test_a_work_dir_with_files_is_refused(box):
    app, work = box.new_dir("app-"), box.new_dir("work-")
    with open(os.path.join(work, "input.txt"), "w") as handle:
        handle.write("would be hidden by the run's tmpfs")
    try:
        with pytest.raises(ValueError, match="not empty"):
            box.run(["/usr/bin/true"], app_dir=app, work_dir=work)
    finally:
        shutil.rmtree(app, ignore_errors=True)
        shutil.rmtree(work, ignore_errors=True)


def test_the_probe_reports_how_the_disk_is_capped(isolation):
    if isolation.level == Level.NONE:
        assert isolation.disk_limit is None
    else:
        assert isolation.disk_limit in ("bytes and files", "bytes"), isolation
    if isolation.disk_limit != DISK_BYTES_AND_FILES:
        assert any("private tmpfs" in item for item in isolation.missing)


def test_a_budget_that_a_tmpfs_would_read_as_unlimited_is_refused():
    with pytest.raises(ValueError, match="disk_bytes"):
        Limits(disk_bytes=0)
    with pytest.raises(ValueError, match="disk_files"):
        Limits(disk_files=0)
