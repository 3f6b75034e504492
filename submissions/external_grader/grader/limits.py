"""
Resource limits of one sandboxed run, and the verdicts a run can end with.

Plain data, no Django: the grader is a client process that runs without the library's settings.
"""

import dataclasses
import enum

from .i18n import gettext_noop

__all__ = ["MiB", "Limits", "Verdict", "VERDICT_MESSAGES"]

MiB = 1024 * 1024


@dataclasses.dataclass(frozen=True)
class Limits:
    """What one run may use. Defaults follow the sandbox spec (CPU 2 s, memory 256 MiB, 64 processes...)."""

    #: CPU seconds: RLIMIT_CPU soft limit (SIGXCPU); the hard limit is one second more (SIGKILL).
    cpu_seconds: float = 2.0
    #: Wall-clock seconds before the parent kills the whole process group (and cgroup).
    wall_seconds: float = 6.0
    #: Memory in bytes: the cgroup memory limit, and RLIMIT_AS when ``address_space`` is true.
    memory_bytes: int = 256 * MiB
    #: Apply RLIMIT_AS (only sensible for C, C++ and Python; Node and the JVM reserve huge address space).
    address_space: bool = True
    #: Processes and threads: cgroup ``pids.max``, and RLIMIT_NPROC when the run has its own slot UID.
    processes: int = 64
    #: Largest file the run may write, stdout and stderr included (RLIMIT_FSIZE).
    file_size: int = 8 * MiB
    #: RLIMIT_NOFILE.
    open_files: int = 64
    #: Bytes the run may write to its scratch space (``/work`` and ``/tmp`` together): a tmpfs private to the run,
    #: so it takes memory (charged to the run's memory cgroup, whose limit grows by this much), never disk.
    disk_bytes: int = 32 * MiB
    #: Files and directories the run may create in its scratch space.
    disk_files: int = 1024
    #: Bytes of stdout (and of stderr) the parent reads back; None means ``file_size``.
    output_cap: int | None = None

    def __post_init__(self):
        # A tmpfs given size=0 or nr_inodes=0 has no limit at all: refuse a budget that would mean "unlimited".
        if self.disk_bytes < 4096 or self.disk_files < 1:
            raise ValueError(f"disk_bytes must be at least 4096 and disk_files at least 1 ({self!r})")

    @property
    def capture_bytes(self):
        return self.output_cap if self.output_cap is not None else self.file_size

    def replace(self, **changes):
        return dataclasses.replace(self, **changes)


class Verdict(enum.StrEnum):
    """How a sandboxed run ended."""

    OK = "ok"
    RUNTIME_ERROR = "runtime_error"
    CPU_LIMIT = "cpu_limit"
    WALL_LIMIT = "wall_limit"
    MEMORY_LIMIT = "memory_limit"
    OUTPUT_LIMIT = "output_limit"
    DISK_LIMIT = "disk_limit"
    SIGNALED = "signaled"
    SANDBOX_ERROR = "sandbox_error"


#: One clear sentence per verdict, shown to the learner (in English here; ``RunResult.message`` translates it).
VERDICT_MESSAGES = {
    Verdict.OK: gettext_noop("Ran to completion."),
    Verdict.RUNTIME_ERROR: gettext_noop("Your program exited with an error."),
    Verdict.CPU_LIMIT: gettext_noop("Time limit exceeded: your program used more CPU time than allowed."),
    Verdict.WALL_LIMIT: gettext_noop(
        "Time limit exceeded: your program ran (or waited) longer than allowed and was stopped."
    ),
    Verdict.MEMORY_LIMIT: gettext_noop("Memory limit exceeded: your program tried to use more memory than allowed."),
    Verdict.OUTPUT_LIMIT: gettext_noop(
        "Output limit exceeded: your program wrote more output (or file data) than allowed."
    ),
    Verdict.DISK_LIMIT: gettext_noop(
        "Disk limit exceeded: your program wrote more data, or created more files, than its working space allows."
    ),
    Verdict.SIGNALED: gettext_noop("Your program was stopped by a signal (crash)."),
    Verdict.SANDBOX_ERROR: gettext_noop(
        "The grader could not run your program (sandbox error); please contact course staff."
    ),
}
