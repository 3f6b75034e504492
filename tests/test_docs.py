"""
The documentation's links resolve: every file of the repository that README.rst, CHANGELOG.rst, the pages in
docs/ and the library's docstrings name (``docs/graders.rst``, ``bench/queue_pull.py``...) exists, and none
of them points outside the repository (issue 15: eleven links to ``specs/*.md``, which were never in it).
Sphinx checks the ``:doc:`` references itself (``tox -e docs`` builds with warnings as errors).
"""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
TOP_LEVEL = ("docs", "tests", "bench", "demo", "examples", "requirements", "submissions", ".ci", "specs")
PATH = re.compile(rf"(?<![\w/.-])((?:{'|'.join(re.escape(name) for name in TOP_LEVEL)})/[\w./-]*\w)")
#: Paths that builds and runs create (named by the docs, absent from a clean checkout).
GENERATED = ("docs/_build", "examples/autograder/var")

pytestmark = pytest.mark.skipif(not (ROOT / "docs").is_dir(), reason="no source checkout (the dist env)")


def documents():
    yield from (ROOT / name for name in ("README.rst", "CHANGELOG.rst"))
    yield from sorted((ROOT / "docs").rglob("*.rst"))
    yield from sorted((ROOT / "submissions").rglob("*.py"))


def named_paths(text):
    for match in PATH.finditer(text):
        path = match.group(1).rstrip(".")
        if "*" in path or path.startswith(GENERATED) or path == "submissions/s":  # a unit, "submissions/s"
            continue
        yield path


def test_every_named_file_exists():
    missing = {}
    for document in documents():
        for path in named_paths(document.read_text()):
            if not (ROOT / path).exists():
                missing.setdefault(str(document.relative_to(ROOT)), []).append(path)
    assert not missing, missing


def test_the_finder_finds_paths():
    text = "see ``docs/graders.rst``, bench/queue_pull.py and specs/xqueue-protocol.md §3; not foo/docs/x"
    assert list(named_paths(text)) == ["docs/graders.rst", "bench/queue_pull.py", "specs/xqueue-protocol.md"]
