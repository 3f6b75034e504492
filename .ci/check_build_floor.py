"""
Check that the package builds with the oldest build requirements ``pyproject.toml`` allows.

``[build-system] requires`` states floors (``setuptools>=77``); a floor that cannot build the package (issue 15:
``setuptools>=69`` and the PEP 639 licence string) only shows on a machine that happens to have that old
version. This script installs, in a fresh virtualenv, the oldest release line of every build requirement
(``>=77`` → ``>=77,<78``), builds the wheel without build isolation, and checks the licence metadata.
Run by the ``dist`` tox env.

Usage: ``python .ci/check_build_floor.py <source checkout>``
"""

import re
import shutil
import subprocess
import sys
import tempfile
import tomllib
import venv
import zipfile
from pathlib import Path


def oldest_line(requirement):
    """``setuptools>=77`` → ``setuptools>=77,<78``; a requirement without a floor is kept as it is."""
    match = re.fullmatch(r"([A-Za-z0-9_.\-]+)\s*>=\s*(\d+)(?:\.[\d.]*)?", requirement.strip())
    if not match:
        return requirement
    name, major = match.groups()
    return f"{name}>={major},<{int(major) + 1}"


def main(argv):
    source = Path(argv[1]).resolve()
    pyproject = tomllib.loads((source / "pyproject.toml").read_text())
    requirements = [oldest_line(item) for item in pyproject["build-system"]["requires"]]
    with tempfile.TemporaryDirectory() as tmp:
        env = Path(tmp) / "venv"
        venv.create(env, with_pip=True)
        python = str(env / "bin" / "python")
        subprocess.run([python, "-m", "pip", "install", "-q", *requirements], check=True)
        versions = subprocess.run(
            [python, "-m", "pip", "list", "--format=freeze"], check=True, capture_output=True, text=True
        ).stdout
        wheels = Path(tmp) / "wheels"
        build = [python, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation", "-w", str(wheels)]
        # A copy of the checkout, so the build leaves no build/ or egg-info in the source tree.
        skipped = shutil.ignore_patterns(
            ".git", ".tox", ".venv*", "build", "_build", "*.egg-info", "__pycache__", "var"
        )
        shutil.copytree(source, Path(tmp) / "src", ignore=skipped)
        subprocess.run([*build, str(Path(tmp) / "src")], check=True)
        (wheel,) = wheels.glob("django_submissions-*.whl")
        with zipfile.ZipFile(wheel) as archive:
            metadata = next(name for name in archive.namelist() if name.endswith(".dist-info/METADATA"))
            text = archive.read(metadata).decode()
    expected = f"License-Expression: {pyproject['project']['license']}"
    if expected not in text.splitlines():
        return f"{wheel.name} built with {requirements} lacks {expected!r}"
    pinned = ", ".join(line for line in versions.splitlines() if line.split("==")[0] in {"setuptools", "wheel"})
    sys.stdout.write(f"built {wheel.name} with {pinned}: {expected}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
