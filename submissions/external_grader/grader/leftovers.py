"""
What a grader leaves on the host while it runs, and the sweep of what dead graders left (ADR 0023).

A grader killed with SIGKILL cannot clean up: its run directories (``submissions-grader-<pid>-*`` under the
work root) and its per-run cgroup directories (``run-<pid>-*``) stay. So every grader, when it starts,
removes those whose owner is dead:

* A run directory holds a lock file that its grader keeps locked (``flock``) while it lives: a lock that can be
  taken means a dead owner, whatever PID namespace it lived in and however its PID was reused since.
* A cgroup directory's name carries its owner's PID, start time and PID namespace. An owner in our namespace
  is dead when no process has that PID and start time: whatever is still in the cgroup (learner processes
  that outlived it) is killed and the directories removed. A cgroup of another namespace is only removed
  once it is empty and older than :data:`STALE_SECONDS`: a live grader never keeps an empty run cgroup.

Directories without an owner tag (made by earlier versions) are left alone.
"""

import contextlib
import fcntl
import os
import re
import shutil
import time

from .cgroups import CONTROLLERS, PARENT, cgroup_pids, pid_namespace, process_start, remove_dirs

__all__ = ["hold_lock", "sweep", "LOCK_NAME", "RUN_DIR_PREFIX"]

RUN_DIR_PREFIX = "submissions-grader-"
LOCK_NAME = ".grader.lock"
STALE_SECONDS = 600
#: ``run-<pid>-<start>-<pid namespace>-<random>`` (and ``probe-...``); the earlier ``run-<pid>-<random>``.
TAGGED = re.compile(r"^(?:run|probe)-(\d+)-(\d+)-(\d+)-[0-9a-f]+$")
UNTAGGED = re.compile(r"^run-(\d+)-[0-9a-f]{12}$")


def hold_lock(directory):
    """Create and lock ``directory``'s lock file; the lock lasts as long as the returned descriptor is open."""
    fd = os.open(os.path.join(directory, LOCK_NAME), os.O_RDWR | os.O_CREAT | os.O_CLOEXEC | os.O_NOFOLLOW, 0o600)
    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    return fd


def _owner_dead(directory):
    """True when ``directory``'s lock can be taken (its owner is gone); False when held or absent."""
    try:
        fd = os.open(os.path.join(directory, LOCK_NAME), os.O_RDONLY | os.O_CLOEXEC | os.O_NOFOLLOW)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    finally:
        os.close(fd)
    return True


def _sweep_run_dirs(root):
    removed = []
    if not root:
        return removed
    try:
        entries = list(os.scandir(root))
    except OSError:
        return removed
    for entry in entries:
        if not entry.name.startswith(RUN_DIR_PREFIX):
            continue
        try:
            if not entry.is_dir(follow_symlinks=False) or entry.stat(follow_symlinks=False).st_uid != os.geteuid():
                continue
        except OSError:
            continue
        if _owner_dead(entry.path):
            shutil.rmtree(entry.path, ignore_errors=True)
            removed.append(entry.path)
    return removed


def _cgroup_leftover(name, path, namespace, now):
    """Whether the cgroup directory ``name`` belongs to a dead grader; None when it is not a grader's."""
    tagged = TAGGED.match(name)
    if tagged:
        pid, start, owner_namespace = (int(part) for part in tagged.groups())
        if owner_namespace == namespace:
            return process_start(pid) != start
        try:
            idle = not cgroup_pids(path) and now - os.stat(path).st_mtime > STALE_SECONDS
        except OSError:
            return False
        return idle
    untagged = UNTAGGED.match(name)
    if untagged:
        return process_start(int(untagged.group(1))) is None
    return None


def _sweep_cgroups(base):
    namespace, now = pid_namespace(), time.time()
    leftovers = []
    for controller in CONTROLLERS:
        parent = os.path.join(base, controller, PARENT)
        with contextlib.suppress(OSError):
            for entry in os.scandir(parent):
                if entry.is_dir(follow_symlinks=False) and _cgroup_leftover(entry.name, entry.path, namespace, now):
                    leftovers.append(entry.path)
    killed = remove_dirs(leftovers)
    return leftovers, killed


def sweep(work_root, cgroup_base="/sys/fs/cgroup"):
    """Remove what dead graders left; returns what was removed (for the start-up log)."""
    directories = _sweep_run_dirs(work_root)
    cgroups, killed = _sweep_cgroups(cgroup_base)
    return {"directories": directories, "cgroups": cgroups, "processes_killed": killed}
