"""
A fresh worker's first request (often a watcher's first login, with a 1 s timeout) does not import the grader
views or drf-spectacular: the grader views are imported when the app is ready, the instructor API's schema views
on their own first request (ADR 0051). Checked in a new interpreter, where nothing is imported yet.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

PROBE = """
import json, sys
import django
django.setup()
ready = set(sys.modules)
from django.urls import get_resolver
get_resolver().url_patterns
print(json.dumps({"ready": sorted(ready), "by_urlconf": sorted(set(sys.modules) - ready)}))
"""


def test_the_urlconf_of_a_fresh_worker_imports_neither_grader_views_nor_drf_spectacular():
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "test_settings", "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-c", PROBE], env=env, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    modules = json.loads(done.stdout.strip().splitlines()[-1])
    assert "submissions.external_grader.views" in modules["ready"]
    assert "rest_framework.routers" in modules["ready"]
    late = [
        name for name in modules["by_urlconf"] if name.split(".")[0] in ("drf_spectacular", "jinja2", "rest_framework")
    ]
    assert late == []
