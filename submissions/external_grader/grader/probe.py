"""
Startup probe: which isolation level works on this machine, and what is missing.

It tries, in order: a bubblewrap run with every namespace unshared (as the slot UID when the worker is
root) → ``full``; switching to a slot UID without namespaces → ``reduced``; otherwise ``none``. Each try
first gives the run its private tmpfs (capped in bytes and files, see ``scratch.py``) and, when that is not
permitted here, tries again without it. It also checks the v1 memory and pids cgroups. The report goes to the
logs and to the worker's health output.
"""

import dataclasses
import logging
import os
import shutil

from .cgroups import CgroupRoot
from .limits import Limits, Verdict
from .sandbox import Level, Sandbox

__all__ = ["ProbeReport", "probe", "InsecureSandboxError"]

logger = logging.getLogger(__name__)

DISK_BYTES_AND_FILES = "bytes and files"
DISK_BYTES = "bytes"


class InsecureSandboxError(RuntimeError):
    """Learner code would run without isolation and insecure mode is not allowed."""


@dataclasses.dataclass
class ProbeReport:
    level: Level
    root: bool
    bwrap: str | None
    user_namespaces: bool
    disable_userns: bool
    slot_uids: bool
    cgroup_memory: bool
    cgroup_pids: bool
    #: How a run's scratch space is capped: "bytes and files" (a private tmpfs), "bytes" (bwrap's tmpfs) or None.
    disk_limit: str | None
    missing: list
    cgroups: CgroupRoot | None = dataclasses.field(default=None, repr=False)

    def as_dict(self):
        data = dataclasses.asdict(self)
        data.pop("cgroups")
        data["level"] = str(self.level)
        return data

    def sandbox(self, slot, *, slot_uid_base=61000, **kwargs):
        """A :class:`Sandbox` for worker slot ``slot`` at the detected level."""
        kwargs.setdefault("private_tmpfs", self.disk_limit == DISK_BYTES_AND_FILES)
        return Sandbox(
            self.level,
            slot_uid=(slot_uid_base + slot) if self.slot_uids else None,
            cgroups=self.cgroups,
            bwrap=self.bwrap or "bwrap",
            disable_userns=self.disable_userns,
            **kwargs,
        )

    def require(self, allow_insecure):
        if self.level == Level.NONE and not allow_insecure:
            raise InsecureSandboxError(
                "No sandbox is available (isolation level 'none'; missing: "
                + "; ".join(self.missing)
                + "). Refusing to run learner code. Install bubblewrap and enable user namespaces, run the "
                "grader as root, or pass --allow-insecure (GRADER_ALLOW_INSECURE=1) on a development machine."
            )


def _try(level, **options):
    """Run ``true`` at ``level``, with a work directory; the first working ``private_tmpfs`` choice wins."""
    tiny = Limits(cpu_seconds=2, wall_seconds=10, memory_bytes=64 * 1024 * 1024)
    for private_tmpfs in (True, False):
        sandbox = Sandbox(level, private_tmpfs=private_tmpfs, **options)
        try:
            app, work = sandbox.new_dir("probe-"), sandbox.new_dir("probe-work-")
            result = sandbox.run(["/usr/bin/true"], app_dir=app, work_dir=work, limits=tiny)
        finally:
            sandbox.cleanup()
        if result.verdict == Verdict.OK:
            return result, sandbox.private_tmpfs
        logger.info("%s probe failed: %s", level, result.stderr[-300:].decode("utf-8", "replace").strip())
    return result, False


def probe(*, bwrap="bwrap", slot_uid_base=61000, use_cgroups=True):
    """Detect the isolation level. Never raises for a missing feature: it reports it."""
    root = os.geteuid() == 0
    missing = []
    cgroups = CgroupRoot() if use_cgroups else None
    available = cgroups.available if cgroups else {"memory": False, "pids": False}
    if not available["memory"]:
        missing.append("cgroup memory limit (RLIMIT_AS and runtime flags only)")
    if not available["pids"]:
        missing.append("cgroup pids limit" + ("" if root else " (and no per-slot UID for RLIMIT_NPROC)"))
    if not (available["memory"] or available["pids"]):
        cgroups = None
    bwrap_path = shutil.which(bwrap)
    slot = slot_uid_base if root else None
    level, userns, disable_userns, private_tmpfs = Level.NONE, False, False, False
    if bwrap_path:
        for disable in (True, False):
            result, private_tmpfs = _try(
                Level.FULL, slot_uid=slot, cgroups=cgroups, bwrap=bwrap_path, disable_userns=disable
            )
            if result.verdict == Verdict.OK:
                level, userns, disable_userns = Level.FULL, True, disable
                break
        if level == Level.FULL and not disable_userns:
            missing.append("bwrap --disable-userns (nested user namespaces stay possible)")
        if level != Level.FULL:
            missing.append("bubblewrap with user namespaces (no network/filesystem namespaces)")
    else:
        missing.append("bubblewrap (apt install bubblewrap): no network/filesystem isolation")
    if level == Level.NONE and root:
        result, private_tmpfs = _try(Level.REDUCED, slot_uid=slot, cgroups=cgroups)
        if result.verdict == Verdict.OK:
            level = Level.REDUCED
    if level == Level.NONE:
        private_tmpfs = False  # no learner code runs at this level unless allowed; then host directories
    disk_limit = DISK_BYTES_AND_FILES if private_tmpfs else (DISK_BYTES if level == Level.FULL else None)
    if disk_limit != DISK_BYTES_AND_FILES:
        missing.append(
            "a private tmpfs per run (mount namespaces): the scratch space is capped "
            + ("in bytes only, not in files" if disk_limit else "neither in bytes nor in files")
        )
    if not root:
        missing.append("per-slot UIDs (the worker is not root)")
    report = ProbeReport(
        level=level,
        root=root,
        bwrap=bwrap_path,
        user_namespaces=userns,
        disable_userns=disable_userns,
        slot_uids=root and level != Level.NONE,
        cgroup_memory=available["memory"],
        cgroup_pids=available["pids"],
        disk_limit=disk_limit,
        missing=missing,
        cgroups=cgroups,
    )
    logger.info("sandbox probe: level=%s missing=%s", level, "; ".join(missing) or "nothing")
    return report
