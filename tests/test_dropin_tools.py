"""``submissions.dropin`` in the suite's own environment (the full swap runs in tox -e dropin)."""

import base64
import hashlib
import zipfile

import pytest
from django.core import checks
from packaging.requirements import Requirement
from packaging.version import Version

from submissions import dropin


def test_the_placeholder_wheel_satisfies_a_4x_pin_and_requires_us(tmp_path):
    path = dropin.placeholder_wheel("4.0.2", tmp_path)
    assert path.name == "edx_submissions-4.0.2+django.submissions-py3-none-any.whl"
    with zipfile.ZipFile(path) as wheel:
        names = wheel.namelist()
        assert all(name.startswith("edx_submissions-4.0.2+django.submissions.dist-info/") for name in names)
        metadata = wheel.read(next(name for name in names if name.endswith("METADATA"))).decode()
        record = wheel.read(next(name for name in names if name.endswith("RECORD"))).decode()
        for line in record.splitlines():
            name, digest, size = line.rsplit(",", 2)
            if digest:
                data = wheel.read(name)
                expected = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
                assert digest == f"sha256={expected}" and int(size) == len(data)
    fields = dict(line.split(": ", 1) for line in metadata.splitlines())
    version = Version(fields["Version"])
    assert fields["Name"] == "edx-submissions" and version.local == "django.submissions"
    for pin in ("edx-submissions==4.0.2", "edx-submissions>=4,<5", "edx-submissions"):
        assert Requirement(pin).specifier.contains(version, prereleases=True)
    assert fields["Requires-Dist"] == "django-submissions"


@pytest.mark.parametrize("version", ["4.0.2+x", "latest", ""])
def test_the_placeholder_needs_a_release_version(tmp_path, version):
    with pytest.raises(ValueError, match="release"):
        dropin.placeholder_wheel(version, tmp_path)


def test_this_environment_has_no_clash(capsys):
    assert dropin.problems() == []
    assert dropin.main(["check"]) == 0
    assert not [message for message in checks.run_checks() if message.id == "submissions.W001"]


def test_the_command_writes_the_placeholder(tmp_path, capsys):
    assert dropin.main(["placeholder", "--version", "4.0.1", "--output", str(tmp_path)]) == 0
    assert capsys.readouterr().out.strip().endswith("edx_submissions-4.0.1+django.submissions-py3-none-any.whl")
