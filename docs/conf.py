"""
Sphinx configuration of the django-submissions documentation.

Build it with ``tox -e docs`` (warnings are errors), or ``sphinx-build -W -b html docs docs/_build/html``
in an environment with ``requirements/docs.in`` and the package installed. Read the Docs uses
``.readthedocs.yaml``.
"""

import sys
from pathlib import Path

import django
from django.conf import settings

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# autodoc imports the library's modules, and models need configured settings and a loaded app registry.
settings.configure(
    INSTALLED_APPS=["django.contrib.auth", "django.contrib.contenttypes", "django.contrib.sessions", "submissions"],
    DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}},
    USE_TZ=True,
)
django.setup()

import submissions  # noqa: E402  (after django.setup())

project = "django-submissions"
author = "django-submissions contributors"
copyright = "django-submissions contributors; AGPL-3.0"  # noqa: A001  (Sphinx's name)
release = submissions.__version__
version = ".".join(release.split(".")[:2])

extensions = ["sphinx.ext.autodoc", "sphinx.ext.intersphinx", "sphinx.ext.viewcode"]
exclude_patterns = ["_build"]
root_doc = "index"
html_theme = "furo"
html_title = f"django-submissions {release}"

autodoc_member_order = "bysource"
autodoc_default_options = {"members": True, "show-inheritance": True}
# Intersphinx inventories are fetched over the network: none is configured, so offline builds stay warning-free;
# references to Django and Python objects render as plain text.
intersphinx_mapping = {}
