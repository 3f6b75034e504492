"""
``tox -e watcher``: install the vendored xqueue-watcher into the env (``python .ci/install_watcher.py TOXINIDIR``).

The watcher is not on PyPI; its source is ``xqueue-watcher-*.tar.gz`` in ``TOXINIDIR/../shared/vendor/`` (CI's
clone sits beside ``shared/``), else ``/work/shared/vendor/``. Without it this prints why and exits 0: the tests
then skip, saying the same. It is installed again only when the tarball changes (a stamp in the env).
"""

import subprocess
import sys
from pathlib import Path


def main(toxinidir):
    directories = [Path(toxinidir).resolve().parent / "shared" / "vendor", Path("/work/shared/vendor")]
    tarballs = [found for directory in directories for found in sorted(directory.glob("xqueue-watcher-*.tar.gz"))]
    if not tarballs:
        sys.stdout.write(
            f"install_watcher: no xqueue-watcher-*.tar.gz in {', '.join(map(str, directories))}: the tests skip" + "\n"
        )
        return 0
    tarball = tarballs[0]
    stamp = Path(sys.prefix) / ".xqueue-watcher-installed"
    marker = f"{tarball} {tarball.stat().st_size} {tarball.stat().st_mtime_ns}"
    if stamp.exists() and stamp.read_text() == marker:
        sys.stdout.write(f"install_watcher: {tarball.name} already installed" + "\n")
        return 0
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", str(tarball)], check=True)
    stamp.write_text(marker)
    sys.stdout.write(f"install_watcher: installed {tarball}" + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
