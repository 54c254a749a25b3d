"""The pins agree with each other: package.json with package-lock.json, the pre-commit hook's ruff with the lock.

(The workflows are checked by actionlint in `make lint`; no test here reads the text of the Makefile or of a
workflow.)
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def test_web_assets_come_from_the_npm_lock():
    package = json.loads((ROOT / "package.json").read_text())
    lock = json.loads((ROOT / "package-lock.json").read_text())["packages"]
    wanted = {**package["dependencies"], **package.get("devDependencies", {})}
    for name in ("requirejs", "@jupyter-widgets/html-manager", "mathjax", "axe-core"):
        assert name in wanted, f"package.json lacks {name}"
    for name, version in wanted.items():
        assert lock[f"node_modules/{name}"]["version"] == version, f"package-lock.json disagrees on {name}"
        assert lock[f"node_modules/{name}"]["integrity"].startswith("sha512-")
    assert "node_modules/" in (ROOT / ".gitignore").read_text().splitlines()


def test_pre_commit_runs_ruff_at_the_locked_version_and_nbstripout():
    config = yaml.safe_load((ROOT / ".pre-commit-config.yaml").read_text())
    repos = {r["repo"].rsplit("/", 1)[-1]: r for r in config["repos"]}
    assert {"ruff-pre-commit", "nbstripout"} <= set(repos)
    locked = re.search(r"^ruff==(\S+)", (ROOT / "requirements.txt").read_text(), re.M)
    assert locked, "ruff is not in requirements.txt (make lock with the lint extra)"
    assert repos["ruff-pre-commit"]["rev"] == f"v{locked.group(1)}"
