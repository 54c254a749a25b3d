"""Binder: a reader's Binder, simulated. A fresh venv built only from what ``binder/`` says, from a clean clone of the
committed HEAD, runs every notebook with ``notebooks/`` as the working directory.

repo2docker (Binder's builder) reads ``binder/runtime.txt`` (the Python version), installs
``binder/requirements.txt`` (the pinned environment, cut from ``requirements.txt`` by ``make lock``) and then runs
``binder/postBuild`` from the repository root, which installs ``lstm_utils`` itself with its data. The test does the
same with pip (through pip's cache, so a second run downloads nothing) and executes every chapter with nbclient in
that venv's ``python3`` kernel, two at a time. The unmarked tests check the configuration without installing.
"""

from __future__ import annotations

import os
import re
import stat
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BINDER = ROOT / "binder"
JOBS = int(os.environ.get("BINDER_JOBS", "2"))


def pins(path: Path) -> dict[str, set[str]]:
    """``{name: {version, ...}}`` of a uv-compiled requirements file (a universal lock may pin a package once per
    Python version, behind markers)."""
    out: dict[str, set[str]] = {}
    for line in path.read_text().splitlines():
        name, _, rest = line.split("#", 1)[0].partition("==")
        if rest:
            out.setdefault(re.sub(r"[-_.]+", "-", name.strip().lower()), set()).add(rest.split(";")[0].strip())
    return out


def test_binder_files_follow_repo2docker():
    assert (BINDER / "runtime.txt").read_text().strip() == "python-3.11"
    post_build = BINDER / "postBuild"
    assert post_build.stat().st_mode & stat.S_IXUSR, "binder/postBuild must be executable"
    assert "pip install --no-cache-dir --no-deps ." in post_build.read_text()
    # Nothing repo2docker would read instead of binder/ (an environment.yml would make it use conda).
    assert not (BINDER / "environment.yml").exists() and not (ROOT / "environment.yml").exists()


def test_binder_requirements_are_the_lock_versions():
    """binder/requirements.txt pins exactly what requirements.txt pins (`make lock` writes both)."""
    binder, lock = pins(BINDER / "requirements.txt"), pins(ROOT / "requirements.txt")
    for name in ("numpy", "matplotlib", "ipywidgets", "ipykernel", "jupyterlab", "tqdm", "threadpoolctl"):
        assert name in binder, f"binder/requirements.txt lacks {name}"
    differ = {name: (sorted(v), sorted(lock.get(name, ()))) for name, v in binder.items()
              if len(v) != 1 or not v <= lock.get(name, set())}
    assert not differ, f"binder/requirements.txt differs from requirements.txt (run `make lock`): {differ}"


@pytest.mark.fresh_venv
def test_every_notebook_runs_on_a_simulated_binder(clean_clone, fresh_venv):
    start = time.perf_counter()
    venv = fresh_venv("binder")
    venv.pip_install("-r", "binder/requirements.txt", cwd=clean_clone)
    venv.run(["bash", "binder/postBuild"], cwd=clean_clone)
    installed = time.perf_counter() - start
    where = venv.run([venv.python, "-c", "import lstm_utils; print(lstm_utils.__file__)"],
                     cwd=clean_clone / "notebooks")
    assert str(venv.path) in where.stdout, f"lstm_utils imports from {where.stdout.strip()}, not the Binder venv"

    notebooks = sorted((clean_clone / "notebooks").glob("*.ipynb"))
    assert len(notebooks) >= 10
    with ThreadPoolExecutor(max_workers=JOBS) as pool:
        results = dict(zip(notebooks, pool.map(venv.execute_notebook, notebooks), strict=True))
    report = "\n".join(f"  {nb.name}: {r['seconds']:.0f} s{'' if r['error'] is None else ' FAILED'}"
                       for nb, r in results.items())
    print(f"Binder simulation: the venv installed in {installed:.0f} s; the notebooks, {JOBS} at a time:\n{report}")
    failed = {nb.name: r["error"] for nb, r in results.items() if r["error"] is not None}
    assert not failed, "notebooks that fail on Binder:\n" + "\n\n".join(f"{k}:\n{v}" for k, v in failed.items())
