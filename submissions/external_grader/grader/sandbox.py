"""
The sandbox that runs learner code: bubblewrap + rlimits + cgroups, at one of three isolation levels.

``full``
    bubblewrap with every namespace unshared (no network, private PID/IPC/UTS), a tmpfs root that is
    remounted read-only with ``/usr`` (and the few ``/etc`` entries runtimes need) bound read-only, the
    submission's directory at ``/app``, the run's scratch space at ``/work`` and ``/tmp``,
    ``--clearenv`` plus a whitelist, ``--cap-drop ALL``, ``--disable-userns``, ``--new-session`` and
    ``--die-with-parent``. When the worker is root, bwrap itself runs as an unprivileged per-slot UID.
``reduced``
    No user namespaces: the worker (root) switches to the per-slot UID; file permissions are the only
    filesystem barrier and there is no network isolation (use a host egress firewall).
``none``
    The worker's own UID with rlimits only: for development, refused unless explicitly allowed.

At every level: RLIMIT_CPU (soft = limit, hard = limit + 1), RLIMIT_FSIZE, RLIMIT_NOFILE, RLIMIT_CORE 0,
RLIMIT_NPROC (only with a slot UID: it is per real UID and ignored for root), RLIMIT_AS for runtimes that
tolerate it, per-run memory and pids cgroups where writable, a wall-clock timer that kills the process
group and the cgroup, stdout/stderr written to files (so RLIMIT_FSIZE caps them) of which the parent
reads at most ``Limits.capture_bytes``, and a scratch space that is a tmpfs private to the run, capped in
bytes and files (``scratch.py``). See ``docs/reference_grader.rst`` and ADRs 0012 and 0023.
"""

import contextlib
import dataclasses
import enum
import glob
import logging
import math
import os
import resource
import shutil
import signal
import stat
import subprocess
import tempfile
import threading
import time

from .i18n import gettext
from .leftovers import RUN_DIR_PREFIX, hold_lock
from .limits import VERDICT_MESSAGES, Limits, Verdict
from .scratch import ScratchSpace, mounts_supported

__all__ = ["Level", "RunResult", "Sandbox", "SAFE_PATH"]

logger = logging.getLogger(__name__)

SAFE_PATH = "/usr/local/bin:/usr/bin:/bin"
#: Paths bound read-only when they exist (runtime configuration: JDK conf links, alternatives, ld cache).
ETC_BINDS = ("/etc/alternatives", "/etc/ld.so.cache", "/etc/localtime", "/etc/ssl/certs")
ETC_GLOBS = ("/etc/java-*",)
TOP_LEVEL_LINKS = ("/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32")

#: Markers in stderr that mean the runtime ran out of memory (RLIMIT_AS or its own heap limit).
MEMORY_MARKERS = (b"MemoryError", b"java.lang.OutOfMemoryError", b"heap out of memory", b"std::bad_alloc")
#: Markers in stderr that mean a write failed at RLIMIT_FSIZE (runtimes that ignore SIGXFSZ).
FILE_SIZE_MARKERS = (b"File too large", b"[Errno 27]", b"EFBIG")
#: Markers in stderr that mean the scratch space was full (bytes or files).
DISK_MARKERS = (b"No space left on device", b"[Errno 28]", b"ENOSPC")


class Level(enum.StrEnum):
    FULL = "full"
    REDUCED = "reduced"
    NONE = "none"


@dataclasses.dataclass
class RunResult:
    """What a sandboxed run did."""

    verdict: Verdict
    returncode: int | None
    signal: int | None
    stdout: bytes
    stderr: bytes
    stdout_truncated: bool
    stderr_truncated: bool
    wall_time: float
    cpu_time: float
    oom_killed: bool = False
    detail: str = ""

    @property
    def ok(self):
        return self.verdict == Verdict.OK

    @property
    def message(self):
        """The verdict in a sentence for the learner, in the grader's language."""
        return gettext(VERDICT_MESSAGES[self.verdict])


def _chown_tree(path, uid, gid):
    os.chown(path, uid, gid)
    for parent, dirs, files in os.walk(path):
        for name in dirs + files:
            os.chown(os.path.join(parent, name), uid, gid, follow_symlinks=False)


class Sandbox:
    """Runs commands under a given isolation level. One instance per worker slot (runs are sequential)."""

    def __init__(
        self,
        level,
        *,
        slot_uid=None,
        cgroups=None,
        bwrap="bwrap",
        disable_userns=True,
        extra_ro_binds=(),
        base_dir=None,
        private_tmpfs=True,
    ):
        self.level = Level(level)
        self.is_root = os.geteuid() == 0
        # A slot UID only makes sense (and is only possible) when the worker is root.
        self.slot_uid = slot_uid if (slot_uid is not None and self.is_root) else None
        if self.level == Level.REDUCED and self.slot_uid is None:
            raise ValueError("the reduced level needs a root worker and a slot UID")
        self.cgroups = cgroups
        self.bwrap = shutil.which(bwrap) or bwrap
        self.disable_userns = disable_userns
        self.extra_ro_binds = tuple(extra_ro_binds)
        # The run's scratch space: a tmpfs of its own capped in bytes and files (True), or only what the level
        # offers without it (bwrap's size-capped tmpfs at level full; host directories otherwise).
        self.private_tmpfs = bool(private_tmpfs) and mounts_supported()
        self._own_base = base_dir is None
        self._lock = None
        if self._own_base:
            # Locked while this grader lives: a later grader removes it if this one is killed (leftovers.py).
            base_dir = tempfile.mkdtemp(prefix=f"{RUN_DIR_PREFIX}{os.getpid()}-", dir=work_root())
            self._lock = hold_lock(base_dir)
        self.base_dir = base_dir
        os.chmod(self.base_dir, 0o711)

    # -- directories ------------------------------------------------------------------------------
    def new_dir(self, prefix):
        """A fresh directory for a submission's files or a run's work, usable from inside the sandbox."""
        path = tempfile.mkdtemp(prefix=prefix, dir=self.base_dir)
        os.chmod(path, 0o711)
        return path

    def _prepare_dir(self, path, writable):
        """Give the directory to the slot UID when writable; make it read-only to it otherwise."""
        if self.slot_uid is None:
            return
        if writable:
            _chown_tree(path, self.slot_uid, self.slot_uid)
            os.chmod(path, 0o700)
        elif self.level == Level.REDUCED:
            # No read-only bind mount here: take ownership back so the learner cannot alter artefacts.
            _chown_tree(path, 0, 0)
            for parent, _dirs, files in os.walk(path):
                os.chmod(parent, 0o755)
                for name in files:
                    full = os.path.join(parent, name)
                    mode = os.stat(full).st_mode
                    os.chmod(full, 0o755 if mode & stat.S_IXUSR else 0o644)
        else:
            _chown_tree(path, self.slot_uid, self.slot_uid)

    def cleanup(self):
        if self._own_base:
            shutil.rmtree(self.base_dir, ignore_errors=True)
        if self._lock is not None:
            os.close(self._lock)
            self._lock = None

    # -- command line -----------------------------------------------------------------------------
    def inside_paths(self, app_dir, work_dir):
        if self.level == Level.FULL:
            return {"app": "/app", "work": "/work"}
        return {"app": app_dir, "work": work_dir or app_dir}

    def environment(self, paths):
        return {
            "PATH": SAFE_PATH,
            "LANG": "C.UTF-8",
            "LC_ALL": "C.UTF-8",
            "HOME": "/tmp" if self.level == Level.FULL else paths["work"],
            "TMPDIR": "/tmp" if self.level == Level.FULL else paths["work"],
        }

    def _bwrap_argv(self, argv, env, app_dir, app_writable, work_dir, cwd, limits, scratch):
        uid = self.slot_uid if self.slot_uid is not None else os.getuid()
        gid = self.slot_uid if self.slot_uid is not None else os.getgid()
        cmd = [self.bwrap, "--unshare-all", "--unshare-user"]
        if self.disable_userns:
            cmd.append("--disable-userns")
        cmd += ["--uid", str(uid), "--gid", str(gid), "--hostname", "sandbox"]
        cmd += ["--die-with-parent", "--new-session", "--cap-drop", "ALL", "--clearenv"]
        for key, value in env.items():
            cmd += ["--setenv", key, value]
        cmd += ["--ro-bind", "/usr", "/usr"]
        for link in TOP_LEVEL_LINKS:
            if os.path.islink(link):
                cmd += ["--symlink", os.readlink(link), link]
            elif os.path.isdir(link):
                cmd += ["--ro-bind", link, link]
        etc = [p for p in ETC_BINDS if os.path.exists(p)]
        for pattern in ETC_GLOBS:
            etc += sorted(glob.glob(pattern))
        for path in etc + list(self.extra_ro_binds):
            cmd += ["--ro-bind", path, path]
        cmd += ["--proc", "/proc", "--dev", "/dev"]
        cmd += ["--bind" if app_writable else "--ro-bind", app_dir, "/app"]
        if scratch is not None:  # the run's own tmpfs, mounted by the child before bwrap starts
            cmd += ["--bind", scratch.tmp, "/tmp"]
            if work_dir:
                cmd += ["--bind", scratch.work, "/work"]
        else:  # bwrap's tmpfs: capped in bytes (each directory on its own), not in files
            cmd += ["--size", str(limits.disk_bytes), "--tmpfs", "/tmp"]
            if work_dir:
                cmd += ["--size", str(limits.disk_bytes), "--tmpfs", "/work"]
        cmd += ["--remount-ro", "/", "--chdir", cwd, "--"]
        return cmd + list(argv)

    def _rlimits(self, limits):
        cpu = max(1, math.ceil(limits.cpu_seconds))
        pairs = [
            (resource.RLIMIT_CPU, (cpu, cpu + 1)),
            (resource.RLIMIT_FSIZE, (limits.file_size, limits.file_size)),
            (resource.RLIMIT_NOFILE, (limits.open_files, limits.open_files)),
            (resource.RLIMIT_CORE, (0, 0)),
        ]
        if self.slot_uid is not None:
            pairs.append((resource.RLIMIT_NPROC, (limits.processes, limits.processes)))
        elif not self.is_root and not (self.cgroups is not None and self.cgroups.pids):
            # No slot UID and no pids cgroup: RLIMIT_NPROC counts every process of the worker's own UID, so
            # allow what already runs plus the run's share. A weaker bound, but a bound.
            allowed = _count_uid_processes(os.getuid()) + limits.processes
            pairs.append((resource.RLIMIT_NPROC, (allowed, allowed)))
        if limits.address_space:
            pairs.append((resource.RLIMIT_AS, (limits.memory_bytes, limits.memory_bytes)))
        return pairs

    # -- running ----------------------------------------------------------------------------------
    def run(self, argv, *, app_dir, work_dir=None, app_writable=False, stdin=b"", limits=None, cwd=None):
        """
        Run ``argv`` (items may use ``{app}`` and ``{work}``, the directories as seen from inside).

        ``app_dir`` holds the submission (read-only unless ``app_writable``, as for a compile step);
        ``work_dir``, an empty directory, asks for a writable work directory (the current directory): the
        run's scratch space is mounted on it for the run only, so it starts empty, is capped by
        ``limits.disk_bytes`` and ``limits.disk_files`` (``/tmp`` included) and is discarded afterwards.
        """
        limits = limits or Limits()
        if work_dir and any(os.scandir(work_dir)):
            raise ValueError(f"work_dir {work_dir!r} is not empty: put a run's input files in app_dir")
        self._prepare_dir(app_dir, app_writable)
        scratch = self._scratch(work_dir, limits)
        if work_dir and scratch is None:
            self._prepare_dir(work_dir, True)
        paths = self.inside_paths(app_dir, work_dir)
        argv = [part.format(**paths) for part in argv]
        cwd = (cwd or ("{work}" if work_dir else "{app}")).format(**paths)
        env = self.environment(paths)
        if self.level == Level.FULL:
            command = self._bwrap_argv(argv, env, app_dir, app_writable, work_dir, cwd, limits, scratch)
            popen_env, popen_cwd = {}, "/"
        else:
            command, popen_env, popen_cwd = argv, env, cwd
        io_dir = tempfile.mkdtemp(prefix="io-", dir=self.base_dir)
        try:
            return self._execute(command, popen_env, popen_cwd, stdin, limits, io_dir, scratch)
        finally:
            if scratch is not None:
                scratch.close()
                shutil.rmtree(scratch.root, ignore_errors=True)
            shutil.rmtree(io_dir, ignore_errors=True)

    def _scratch(self, work_dir, limits):
        """The run's :class:`ScratchSpace`, or None without private mounts (or nothing writable to cap)."""
        if not self.private_tmpfs or not (work_dir or self.level == Level.FULL):
            return None
        owner = (self.slot_uid, self.slot_uid) if self.slot_uid is not None else (os.getuid(), os.getgid())
        return ScratchSpace(
            self.new_dir("scratch-"),
            size=limits.disk_bytes,
            files=limits.disk_files,
            owner=owner,
            bind_work=work_dir if self.level != Level.FULL else None,
        )

    def _execute(self, command, env, cwd, stdin, limits, io_dir, scratch):
        stdin_path = os.path.join(io_dir, "stdin")
        with open(stdin_path, "wb") as handle:
            handle.write(stdin or b"")
        cgroup = None
        if self.cgroups is not None:
            try:
                # Scratch files live in memory charged to the run: they get their own share on top.
                memory = limits.memory_bytes + limits.disk_bytes + (64 * 1024 * 1024 if limits.address_space else 0)
                cgroup = self.cgroups.create(memory, limits.processes)
            except OSError as exc:
                logger.warning("could not create the run's cgroup: %s", exc)
        rlimits = self._rlimits(limits)
        slot = self.slot_uid

        def preexec():
            if cgroup is not None:
                cgroup.join_self()
            for which, value in rlimits:
                resource.setrlimit(which, value)
            if scratch is not None:
                scratch.enter()
            if slot is not None:
                os.setgroups([])
                os.setresgid(slot, slot, slot)
                os.setresuid(slot, slot, slot)

        stdout_path = os.path.join(io_dir, "stdout")
        stderr_path = os.path.join(io_dir, "stderr")
        timed_out = threading.Event()
        started = time.monotonic()
        try:
            with open(stdin_path, "rb") as fin, open(stdout_path, "wb") as fout, open(stderr_path, "wb") as ferr:
                proc = subprocess.Popen(  # noqa: S603 - the command is built above, never by a shell
                    command,
                    stdin=fin,
                    stdout=fout,
                    stderr=ferr,
                    cwd=cwd,
                    env=env,
                    close_fds=True,
                    start_new_session=True,
                    preexec_fn=preexec,  # noqa: PLW1509 - C-level calls only (see ADR 0012)
                )
        except (OSError, subprocess.SubprocessError) as exc:
            if cgroup is not None:
                cgroup.remove()
            logger.error("sandbox start failed: %s", exc)
            return RunResult(
                Verdict.SANDBOX_ERROR, None, None, b"", str(exc).encode(), False, False, 0.0, 0.0, detail=str(exc)
            )

        if scratch is not None:
            scratch.receive()

        def on_timeout():
            timed_out.set()
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(proc.pid, signal.SIGKILL)
            if cgroup is not None:
                cgroup.kill_all(rounds=5)

        timer = threading.Timer(limits.wall_seconds, on_timeout)
        timer.daemon = True
        timer.start()
        try:
            _, status, usage = os.wait4(proc.pid, 0)
        finally:
            timer.cancel()
        wall = time.monotonic() - started
        proc.returncode = os.waitstatus_to_exitcode(status)
        oom = False
        cpu = usage.ru_utime + usage.ru_stime
        disk_full = False
        if scratch is not None:
            disk_full = scratch.exhausted()
            scratch.close()  # frees the tmpfs before its memory cgroup goes
        if cgroup is not None:
            oom = cgroup.oom_kills() > 0
            cpu = max(cpu, cgroup.cpu_seconds() or 0.0)
            cgroup.remove()
        elif slot is not None:
            _kill_uid(slot)
        stdout, out_cut, out_size = _read_capped(stdout_path, limits.capture_bytes)
        stderr, err_cut, err_size = _read_capped(stderr_path, limits.capture_bytes)
        rc = proc.returncode
        sig = None
        if rc < 0:
            sig = -rc
        elif self.level == Level.FULL and rc > 128:
            sig = rc - 128  # bwrap's init relays a signal death as 128 + signal
        verdict = self._verdict(
            rc, sig, timed_out.is_set(), oom, disk_full, stderr, max(out_size, err_size), limits, cpu
        )
        if verdict == Verdict.SANDBOX_ERROR:
            logger.error("sandbox failure (rc=%s): %s", rc, stderr[-500:].decode("utf-8", "replace"))
        return RunResult(
            verdict=verdict,
            returncode=rc,
            signal=sig,
            stdout=stdout,
            stderr=stderr,
            stdout_truncated=out_cut,
            stderr_truncated=err_cut,
            wall_time=wall,
            cpu_time=cpu,
            oom_killed=oom,
        )

    def _verdict(self, rc, sig, timed_out, oom, disk_full, stderr, out_size, limits, cpu):
        if timed_out:
            return Verdict.WALL_LIMIT
        if oom:
            return Verdict.MEMORY_LIMIT
        if sig == signal.SIGXCPU:
            return Verdict.CPU_LIMIT
        if sig == signal.SIGKILL and cpu >= math.ceil(limits.cpu_seconds):
            return Verdict.CPU_LIMIT  # the hard CPU limit
        if disk_full:
            return Verdict.DISK_LIMIT
        if sig == signal.SIGXFSZ or out_size >= limits.file_size:
            return Verdict.OUTPUT_LIMIT
        if rc == 0:
            return Verdict.OK
        if self.level == Level.FULL and rc == 1 and stderr.startswith(b"bwrap:"):
            return Verdict.SANDBOX_ERROR
        if any(marker in stderr for marker in MEMORY_MARKERS):
            return Verdict.MEMORY_LIMIT
        if any(marker in stderr for marker in FILE_SIZE_MARKERS):
            return Verdict.OUTPUT_LIMIT
        if any(marker in stderr for marker in DISK_MARKERS):
            return Verdict.DISK_LIMIT
        if sig is not None:
            return Verdict.SIGNALED
        return Verdict.RUNTIME_ERROR


def work_root():
    """
    Where run directories are made: ``GRADER_WORK_ROOT``, else ``/tmp``. Not ``$TMPDIR``, which may lie under
    a private (0700) home directory that the slot UID cannot traverse to reach its bind-mounted directories.
    """
    root = os.environ.get("GRADER_WORK_ROOT")
    if root:
        return root
    return "/tmp" if os.access("/tmp", os.W_OK | os.X_OK) else None


def closed_ancestor(root):
    """
    The first directory of ``root``'s path (``root`` included) that other users cannot search, or None. The
    slot UIDs reach their bind-mounted run directories through every one of them: below a closed one (pytest's
    ``/tmp/pytest-of-root`` is 0700) the full sandbox cannot start and the probe would settle for less.
    """
    path = os.path.abspath(root)
    while True:
        try:
            if not os.stat(path).st_mode & stat.S_IXOTH:
                return path
        except OSError:
            return path
        parent = os.path.dirname(path)
        if parent == path:
            return None
        path = parent


def _read_capped(path, cap):
    size = os.path.getsize(path)
    with open(path, "rb") as handle:
        data = handle.read(cap)
    return data, size > cap, size


def _count_uid_processes(uid):
    count = 0
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                count += os.stat(f"/proc/{entry}").st_uid == uid
            except FileNotFoundError:
                continue
    return count


def _kill_uid(uid, rounds=20):
    """Kill every process of ``uid`` (the reduced level's clean-up when no cgroup is writable)."""
    for _ in range(rounds):
        found = False
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                if os.stat(f"/proc/{entry}").st_uid == uid:
                    found = True
                    os.kill(int(entry), signal.SIGKILL)
            except (FileNotFoundError, ProcessLookupError):
                continue
        if not found:
            return
        time.sleep(0.005)
