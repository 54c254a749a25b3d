"""A release readers can pin: one version (pyproject.toml's), written where the readers' set-ups read it."""

import subprocess
import sys
import tomllib
from pathlib import Path

import lstm_utils as lu

ROOT = Path(__file__).resolve().parents[1]


def test_the_package_reports_pyprojects_version():
    assert lu.__version__ == tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]


def test_the_tag_is_written_everywhere_and_has_a_changelog_section():
    proc = subprocess.run([sys.executable, str(ROOT / "scripts" / "release.py"), "check"], capture_output=True,
                          text=True)
    assert proc.returncode == 0 and proc.stdout.splitlines() == [
        f"v{lu.__version__}: written everywhere, with a CHANGELOG section"], proc.stdout
