"""
Check that the installed distribution carries every file of the source package.

Run by the ``dist`` tox env, from outside the source tree, with the wheel installed: every module, migration,
template, static file and ``py.typed`` under ``<source>/submissions`` must exist in the installed
``submissions`` package, and the installed package must not be the source tree itself.

Usage: ``python .ci/check_dist.py <source checkout>``
"""

import importlib.util
import pathlib
import sys

SKIPPED_PARTS = {"__pycache__"}
SKIPPED_SUFFIXES = {".pyc", ".pyo", ".sqlite3"}


def shipped_files(root):
    return {
        path.relative_to(root).as_posix()
        for path in root.rglob("*")
        if path.is_file() and not SKIPPED_PARTS & set(path.parts) and path.suffix not in SKIPPED_SUFFIXES
    }


def main(argv):
    source = pathlib.Path(argv[1]).resolve() / "submissions"
    spec = importlib.util.find_spec("submissions")
    if spec is None or not spec.submodule_search_locations:
        return "submissions is not installed"
    installed = pathlib.Path(next(iter(spec.submodule_search_locations))).resolve()
    if installed == source or source in installed.parents:
        return f"submissions is imported from the source tree ({installed}), not from the wheel"
    missing = sorted(shipped_files(source) - shipped_files(installed))
    if missing:
        return "files of the source package missing from the wheel:\n  " + "\n  ".join(missing)
    data = sorted(name for name in shipped_files(installed) if not name.endswith(".py"))
    sys.stdout.write(f"wheel installed at {installed}: all {len(shipped_files(source))} source files present\n")
    sys.stdout.write("package data: " + (", ".join(data) or "(none)") + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
