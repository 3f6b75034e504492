"""
Installing django-submissions in place of edx-submissions 4.x (docs/dropin.rst, ADR 0022).

Both distributions provide the import package ``submissions``. edx-ora2, and so every LMS, requires
``edx-submissions``, so a plain ``pip install -r`` of the LMS's requirements puts 4.x's files back over ours.
This module gives operators two things, with no Django import (it runs before settings exist):

* :func:`problems` (behind the system check ``submissions.W001``): edx-submissions' own files are installed
  beside ours, or the ``submissions`` package that Python imports is not the files django-submissions
  installed;
* a *placeholder* wheel of ``edx-submissions`` that contains no file and requires ``django-submissions``
  (``python -m submissions.dropin placeholder --version 4.0.2 --output wheelhouse``). Its version
  ``4.0.2+django.submissions`` satisfies ``edx-submissions==4.0.2`` (PEP 440 ignores a local label when the
  pin has none), so pip keeps it on every later install of the LMS's requirements.
"""

import argparse
import base64
import hashlib
import importlib.metadata
import importlib.util
import re
import sys
import zipfile
from pathlib import Path

__all__ = ["OURS", "THEIRS", "PLACEHOLDER_LABEL", "problems", "placeholder_wheel", "metadata_wheel", "main"]

OURS = "django-submissions"
THEIRS = "edx-submissions"
#: Local version label of the placeholder (``4.0.2+django.submissions``).
PLACEHOLDER_LABEL = "django.submissions"
WHEEL = "Wheel-Version: 1.0\nGenerator: submissions.dropin\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
FIX = "See docs/dropin.rst: uninstall edx-submissions, reinstall django-submissions, install the placeholder."


def _distribution(name):
    try:
        return importlib.metadata.distribution(name)
    except importlib.metadata.PackageNotFoundError:
        return None


def _package_files(distribution):
    return [path for path in distribution.files or () if path.parts and path.parts[0] == "submissions"]


def _digest(data):
    """The RECORD form of a sha256 digest (urlsafe base64, no padding)."""
    return base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()


def problems():
    """
    What is wrong with the installed ``submissions`` package, as sentences naming ``edx-submissions`` (empty
    when all is well). Editable installs list no package files and are only checked for edx-submissions.
    """
    found = []
    theirs = _distribution(THEIRS)
    if theirs is not None and _package_files(theirs):
        found.append(
            f"edx-submissions {theirs.version} is installed beside django-submissions: both write the package "
            "'submissions', and the next install of the LMS requirements puts 4.x files back over ours."
        )
    ours = _distribution(OURS)
    if ours is None:
        return found
    imported = importlib.util.find_spec("submissions")
    init = next((path for path in _package_files(ours) if path.as_posix() == "submissions/__init__.py"), None)
    if init is not None and imported is not None and imported.origin:
        expected = Path(ours.locate_file(init)).resolve()
        if Path(imported.origin).resolve() != expected:
            found.append(f"Python imports 'submissions' from {imported.origin}, not from django-submissions.")
            return found
    changed = [
        path.as_posix() for path in _package_files(ours) if path.hash and path.suffix == ".py" and _changed(ours, path)
    ]
    if changed:
        found.append(
            f"{len(changed)} file(s) of the 'submissions' package are not the ones django-submissions "
            f"{ours.version} installed (e.g. {changed[0]}): edx-submissions was installed over it."
        )
    return found


def _changed(distribution, path):
    """Whether an installed file differs from (or is missing against) the distribution's RECORD."""
    installed = Path(distribution.locate_file(path))
    return not installed.is_file() or _digest(installed.read_bytes()) != path.hash.value


def placeholder_wheel(version, output):
    """
    Write the placeholder wheel of ``edx-submissions`` (version ``<version>+django.submissions``, no file,
    requiring ``django-submissions``) into the directory ``output``; return its path.
    """
    if not re.fullmatch(r"\d+(\.\d+)*", version):
        raise ValueError(f"--version must be a release such as 4.0.2, not {version!r}")
    summary = "Placeholder: the 'submissions' package is provided by django-submissions"
    return metadata_wheel(THEIRS, f"{version}+{PLACEHOLDER_LABEL}", [OURS], output, summary=summary)


def metadata_wheel(name, version, requirements, output, summary=""):
    """Write a wheel of distribution ``name`` that installs no file, only its metadata; return its path."""
    stem = f"{re.sub(r'[-_.]+', '_', name).lower()}-{version}"
    info = f"{stem}.dist-info"
    metadata = f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\nSummary: {summary}\n"
    files = {
        f"{info}/METADATA": metadata + "".join(f"Requires-Dist: {requirement}\n" for requirement in requirements),
        f"{info}/WHEEL": WHEEL,
    }
    record = [f"{path},sha256={_digest(text.encode())},{len(text.encode())}\n" for path, text in files.items()]
    files[f"{info}/RECORD"] = "".join(record) + f"{info}/RECORD,,\n"
    output = Path(output)
    output.mkdir(parents=True, exist_ok=True)
    path = output / f"{stem}-py3-none-any.whl"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as wheel:
        for member, text in files.items():
            wheel.writestr(member, text)
    return path


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m submissions.dropin", description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    build = commands.add_parser("placeholder", help="write the edx-submissions placeholder wheel")
    build.add_argument("--version", default="4.0.2", help="the edx-submissions version the LMS pins (4.0.2)")
    build.add_argument("--output", default=".", help="directory for the wheel (.)")
    commands.add_parser("check", help="exit 1 and say why if the installed 'submissions' package is not ours")
    args = parser.parse_args(argv)
    if args.command == "placeholder":
        sys.stdout.write(f"{placeholder_wheel(args.version, args.output)}\n")
        return 0
    found = problems()
    if found:
        sys.stderr.write("".join(f"{line}\n" for line in [*found, FIX]))
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
