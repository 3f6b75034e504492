"""
Per-run cgroups (v1 ``memory`` and ``pids`` hierarchies) for the sandbox.

A run gets one directory in each writable hierarchy under ``<root>/<controller>/<PARENT>/``; the child
joins them before it executes anything (children inherit the cgroup), and the parent kills whatever is
left and removes the directories after the run. cgroup v2 is only used when a delegated subtree with the
controllers enabled is writable, which is not the case on the machines we measured, so v1 is the
supported path (sandbox spec §1).
"""

import contextlib
import errno
import functools
import logging
import os
import signal
import time
import uuid

__all__ = ["CgroupRoot", "RunCgroup", "owner_tag", "remove_dirs"]

logger = logging.getLogger(__name__)

PARENT = "submissions-grader"
CONTROLLERS = ("memory", "pids", "cpuacct")


def _write(path, value):
    with open(path, "w") as handle:
        handle.write(str(value))


def _read(path):
    with open(path) as handle:
        return handle.read()


def process_start(pid):
    """The start time of ``pid`` in clock ticks since boot, or None when there is no such process."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as handle:
            fields = handle.read().rpartition(b")")[2].split()
    except (FileNotFoundError, ProcessLookupError):
        return None
    return int(fields[19])  # field 22 of proc(5); the fields after the command name start at field 3


def pid_namespace():
    try:
        return os.stat("/proc/self/ns/pid").st_ino
    except OSError:
        return 0


@functools.cache
def _tag(pid):
    return f"{pid}-{process_start(pid) or 0}-{pid_namespace()}"


def owner_tag():
    """
    ``<pid>-<start time>-<pid namespace>`` of this process, in the name of every cgroup directory it makes, so a
    later grader can tell a dead owner's directories from a live one's (``leftovers.sweep``).
    """
    return _tag(os.getpid())


def cgroup_pids(path):
    """The processes in the cgroup directory ``path`` (none when it is gone)."""
    try:
        return [int(pid) for pid in _read(os.path.join(path, "cgroup.procs")).split()]
    except OSError:
        return []


def kill_processes(dirs, rounds=50):
    """SIGKILL every process in the cgroup directories ``dirs`` until they are empty (bounded); how many."""
    killed = 0
    for _ in range(rounds):
        left = {pid for path in dirs for pid in cgroup_pids(path)}
        if not left:
            break
        for pid in left:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
                killed += 1
        time.sleep(0.005)
    return killed


def remove_dirs(dirs):
    """
    Kill what is left in the cgroup directories ``dirs``, then remove them, retrying the ~1 ms of ``EBUSY``
    after the last process exits (sandbox spec §1). Returns how many processes were killed.
    """
    killed = kill_processes(dirs)
    for path in dirs:
        for attempt in range(100):
            try:
                os.rmdir(path)
                break
            except FileNotFoundError:
                break
            except OSError as exc:
                if exc.errno != errno.EBUSY or attempt == 99:
                    logger.warning("could not remove cgroup %s: %s", path, exc)
                    break
                time.sleep(0.002)
    return killed


class CgroupRoot:
    """The writable v1 hierarchies found on this machine."""

    def __init__(self, base="/sys/fs/cgroup"):
        self.base = base
        self.memory = self._prepare("memory")
        self.pids = self._prepare("pids")
        # Accounting only: the CPU time of the whole run (bwrap's rusage misses the sandboxed processes).
        self.cpuacct = self._prepare("cpuacct")

    def _prepare(self, controller):
        top = os.path.join(self.base, controller)
        if not os.path.isfile(os.path.join(top, "cgroup.procs")):
            return None
        parent = os.path.join(top, PARENT)
        try:
            os.makedirs(parent, exist_ok=True)
            probe = os.path.join(parent, f"probe-{owner_tag()}-{uuid.uuid4().hex[:8]}")
            os.mkdir(probe)
            os.rmdir(probe)
        except OSError as exc:
            logger.info("cgroup controller %s not writable: %s", controller, exc)
            return None
        return parent

    @property
    def available(self):
        return {"memory": self.memory is not None, "pids": self.pids is not None}

    def create(self, memory_bytes, processes):
        """A fresh :class:`RunCgroup`, or None when no hierarchy is writable."""
        if self.memory is None and self.pids is None:
            return None
        return RunCgroup(self, memory_bytes, processes)


class RunCgroup:
    """The cgroup directories of one run."""

    def __init__(self, root, memory_bytes, processes):
        name = f"run-{owner_tag()}-{uuid.uuid4().hex[:8]}"
        self.dirs = []
        self.memory_dir = None
        if root.memory:
            self.memory_dir = os.path.join(root.memory, name)
            os.mkdir(self.memory_dir)
            self.dirs.append(self.memory_dir)
            _write(os.path.join(self.memory_dir, "memory.limit_in_bytes"), memory_bytes)
            # No swap either (only present with swap accounting; must not be below the memory limit).
            with contextlib.suppress(OSError):
                _write(os.path.join(self.memory_dir, "memory.memsw.limit_in_bytes"), memory_bytes)
        if root.pids:
            pids_dir = os.path.join(root.pids, name)
            os.mkdir(pids_dir)
            self.dirs.append(pids_dir)
            _write(os.path.join(pids_dir, "pids.max"), processes)
        self.cpuacct_dir = None
        if root.cpuacct:
            self.cpuacct_dir = os.path.join(root.cpuacct, name)
            os.mkdir(self.cpuacct_dir)
            self.dirs.append(self.cpuacct_dir)
        self.procs_files = [os.path.join(d, "cgroup.procs") for d in self.dirs]

    def join_self(self):
        """Move the calling process into every directory (called in the child before exec)."""
        pid = str(os.getpid()).encode()
        for path in self.procs_files:
            fd = os.open(path, os.O_WRONLY)
            try:
                os.write(fd, pid)
            finally:
                os.close(fd)

    def oom_kills(self):
        """How many processes the kernel OOM-killed in this run (``oom_kill`` of ``memory.oom_control``)."""
        if not self.memory_dir:
            return 0
        try:
            text = _read(os.path.join(self.memory_dir, "memory.oom_control"))
        except OSError:
            return 0
        for line in text.splitlines():
            key, _, value = line.partition(" ")
            if key == "oom_kill":
                return int(value)
        return 0

    def cpu_seconds(self):
        """CPU time used by every process of the run, or None without the cpuacct controller."""
        if not self.cpuacct_dir:
            return None
        try:
            return int(_read(os.path.join(self.cpuacct_dir, "cpuacct.usage"))) / 1e9
        except (OSError, ValueError):
            return None

    def memory_failures(self):
        if not self.memory_dir:
            return 0
        try:
            return int(_read(os.path.join(self.memory_dir, "memory.failcnt")))
        except (OSError, ValueError):
            return 0

    def pids(self):
        return {pid for path in self.dirs for pid in cgroup_pids(path)}

    def kill_all(self, rounds=50):
        """SIGKILL every process still in the cgroups until they are empty (bounded)."""
        kill_processes(self.dirs, rounds)
        return not self.pids()

    def remove(self):
        remove_dirs(self.dirs)
