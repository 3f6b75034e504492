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
import logging
import os
import signal
import time
import uuid

__all__ = ["CgroupRoot", "RunCgroup"]

logger = logging.getLogger(__name__)

PARENT = "submissions-grader"


def _write(path, value):
    with open(path, "w") as handle:
        handle.write(str(value))


def _read(path):
    with open(path) as handle:
        return handle.read()


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
            probe = os.path.join(parent, f"probe-{uuid.uuid4().hex[:8]}")
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
        name = f"run-{os.getpid()}-{uuid.uuid4().hex[:12]}"
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
        found = set()
        for path in self.procs_files:
            try:
                found.update(int(p) for p in _read(path).split())
            except OSError:
                continue
        return found

    def kill_all(self, rounds=50):
        """SIGKILL every process still in the cgroups until they are empty (bounded)."""
        for _ in range(rounds):
            left = self.pids()
            if not left:
                return True
            for pid in left:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
            time.sleep(0.005)
        return not self.pids()

    def remove(self):
        self.kill_all()
        for path in self.dirs:
            for attempt in range(100):
                try:
                    os.rmdir(path)
                    break
                except FileNotFoundError:
                    break
                except OSError as exc:
                    # EBUSY for ~1 ms after the last process exits (sandbox spec §1).
                    if exc.errno != errno.EBUSY or attempt == 99:
                        logger.warning("could not remove cgroup %s: %s", path, exc)
                        break
                    time.sleep(0.002)
