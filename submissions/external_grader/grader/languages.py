"""
How each supported language is compiled and run inside the sandbox.

Runtimes are looked up on a fixed system PATH (``/usr/local/bin:/usr/bin:/bin``) and resolved to real
paths, so a runtime installed under a private home directory (pyenv, nvm) is never picked: the sandbox
UID could not read it, and the sandbox binds only system directories.
"""

import dataclasses
import os
import re
import shutil

from .limits import Limits, MiB
from .sandbox import SAFE_PATH

__all__ = ["Language", "LANGUAGES", "get_language", "java_class_name"]

#: Compile steps get their own, larger limits (compilers are multi-process and memory hungry).
COMPILE_LIMITS = Limits(
    cpu_seconds=20,
    wall_seconds=60,
    memory_bytes=1024 * MiB,
    address_space=False,
    processes=256,
    file_size=64 * MiB,
    open_files=256,
    disk_bytes=256 * MiB,
    disk_files=4096,
    output_cap=64 * 1024,
)

JAVA_CLASS = re.compile(r"^\s*public\s+(?:final\s+|abstract\s+)*class\s+([A-Za-z_$][A-Za-z0-9_$]*)", re.MULTILINE)


def java_class_name(source):
    match = JAVA_CLASS.search(source)
    return match.group(1) if match else "Main"


def _find(name):
    found = shutil.which(name, path=SAFE_PATH)
    return os.path.realpath(found) if found else None


@dataclasses.dataclass(frozen=True)
class Language:
    name: str
    source_name: str
    run: tuple
    compile: tuple | None = None
    #: Tools that must exist (looked up on the system PATH).
    tools: tuple = ()
    #: Whether RLIMIT_AS can be used for the run (not for Node/JVM: they reserve huge address space).
    address_space: bool = True
    #: Memory of a run when the payload does not say (the JVM and Node need more than C).
    default_memory: int = 256 * MiB
    #: Processes/threads of a run (the JVM starts a dozen threads).
    processes: int = 64

    def missing_tools(self):
        return [tool for tool in self.tools if _find(tool) is None]

    def _resolve(self, argv, **extra):
        out = []
        for part in argv:
            if part.startswith("@"):
                part = _find(part[1:]) or part[1:]
            out.append(part.replace("{class}", extra.get("class_name", "Main")))
        return out

    def source_file(self, source):
        if self.name == "java":
            return java_class_name(source) + ".java"
        return self.source_name

    def compile_argv(self, source):
        if not self.compile:
            return None
        return self._resolve(self.compile, class_name=java_class_name(source))

    def run_argv(self, source, memory_bytes):
        heap = max(16, memory_bytes // MiB // 2)
        argv = self._resolve(self.run, class_name=java_class_name(source))
        return [part.replace("{heap_mb}", str(heap)) for part in argv]

    def run_limits(self, base, memory_bytes=None):
        return base.replace(
            memory_bytes=memory_bytes or self.default_memory,
            address_space=self.address_space,
            processes=max(base.processes, self.processes),
        )


LANGUAGES = {
    "python": Language(
        name="python",
        source_name="main.py",
        run=("@python3", "-I", "-B", "{app}/main.py"),
        tools=("python3",),
    ),
    "javascript": Language(
        name="javascript",
        source_name="main.js",
        run=("@node", "--max-old-space-size={heap_mb}", "--stack-size=4096", "{app}/main.js"),
        tools=("node",),
        address_space=False,
        default_memory=512 * MiB,
    ),
    "java": Language(
        name="java",
        source_name="Main.java",
        compile=(
            "@javac",
            "-J-Xmx512m",
            "-J-XX:+UseSerialGC",
            "-J-XX:TieredStopAtLevel=1",
            "-J-XX:-UsePerfData",
            "-encoding",
            "UTF-8",
            "-d",
            "{app}",
            "{app}/{class}.java",
        ),
        run=(
            "@java",
            "-Xmx{heap_mb}m",
            "-Xss8m",
            "-XX:+UseSerialGC",
            "-XX:TieredStopAtLevel=1",
            "-XX:-UsePerfData",
            "-XX:ActiveProcessorCount=1",
            "-Xshare:auto",
            "-cp",
            "{app}",
            "{class}",
        ),
        tools=("javac", "java"),
        address_space=False,
        default_memory=512 * MiB,
        processes=128,
    ),
    "c": Language(
        name="c",
        source_name="main.c",
        compile=("@gcc", "-O2", "-std=gnu11", "-pipe", "-o", "{app}/main", "{app}/main.c", "-lm"),
        run=("{app}/main",),
        tools=("gcc",),
    ),
    "cpp": Language(
        name="cpp",
        source_name="main.cpp",
        compile=("@g++", "-O2", "-std=gnu++17", "-pipe", "-o", "{app}/main", "{app}/main.cpp"),
        run=("{app}/main",),
        tools=("g++",),
    ),
}

ALIASES = {"py": "python", "python3": "python", "js": "javascript", "node": "javascript", "c++": "cpp"}


def get_language(name):
    key = str(name or "").strip().lower()
    return LANGUAGES.get(ALIASES.get(key, key))
