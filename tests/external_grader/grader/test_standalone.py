"""
The grader stands alone: no Django, no other part of the library but ``bounded_json`` (standard library only, ADR
0050), and its own console script.
"""

import importlib.metadata
import json
import subprocess
import sys
from pathlib import Path

IMPORT_EVERYTHING = """
import importlib, json, pkgutil, sys
import submissions.external_grader.grader as grader
for module in pkgutil.iter_modules(grader.__path__):
    importlib.import_module(f"{grader.__name__}.{module.name}")
from submissions.external_grader.grader.plugins import load_plugin
load_plugin("testcases")
print(json.dumps(sorted(sys.modules)))
"""


def test_the_grader_imports_neither_django_nor_the_rest_of_the_library():
    out = subprocess.run([sys.executable, "-c", IMPORT_EVERYTHING], capture_output=True, text=True, check=True)
    modules = json.loads(out.stdout)
    assert not [name for name in modules if name.split(".")[0] in ("django", "rest_framework", "django_fsm")]
    ours = {name for name in modules if name.split(".")[0] == "submissions"}
    parents = {"submissions", "submissions.external_grader"}  # package __init__ files Python imports on the way
    shared = {"submissions.bounded_json"}  # the server's JSON bounds, for the server's replies
    assert {name for name in ours if not name.startswith("submissions.external_grader.grader")} == parents | shared
    assert "submissions.external_grader.grader.worker" in ours


def test_the_console_script_runs_the_grader():
    [entry] = importlib.metadata.entry_points(group="console_scripts", name="submissions-grader")
    assert entry.value == "submissions.external_grader.grader.__main__:main"
    script = Path(sys.executable).with_name("submissions-grader")
    assert script.exists(), f"{script} is missing: reinstall the package (pip install -e .)"
    usage = subprocess.run([script, "--help"], capture_output=True, text=True, check=True).stdout
    assert usage.startswith("usage: submissions-grader") and "--exit-when-empty" in usage
    report = subprocess.run([script, "--probe", "--log-level", "WARNING"], capture_output=True, text=True, check=True)
    assert json.loads(report.stdout)["level"] in ("full", "reduced", "none")
    missing = subprocess.run([script, "--log-level", "CRITICAL", "--allow-insecure"], capture_output=True, env={})
    assert missing.returncode == 2  # no server, queue, username or password: a usage error
