"""Colab: a chapter opened alone, where ``lstm_utils`` is not installed, installs it with its first cell and runs.

Every notebook starts with the same set-up cell (id ``colab-setup``, tagged ``remove-cell`` so the book hides it):
where ``import lstm_utils`` works it does nothing; elsewhere it runs
``pip install "lstm_utils[book] @ git+URL"``, the URL from ``$LSTM_UTILS_URL`` or, by default, the repository's at
the release tag ``v<version>`` (written there by ``scripts/release.py write``).
The package carries the data the chapters read (``lstm_utils/results``), so a notebook needs no file beside it.

The simulation copies one chapter into an empty folder and runs it in a fresh venv holding what Colab holds
(numpy, matplotlib, ipywidgets, a kernel) but no ``lstm_utils``, with ``LSTM_UTILS_URL`` pointing at a clean clone
(``git+file://...``). ``PIP_CONSTRAINT`` holds pip to the lock's versions, so the run is reproducible and served
from pip's cache.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
SETUP_ID = "colab-setup"
# The chapter the simulation runs: it reads the shipped sweep and models (package data) and runs in about a minute.
CHAPTER = os.environ.get("COLAB_CHAPTER", "09_movie_review.ipynb")
# What Colab already has, at the lock's versions; a kernel and nbclient to run the notebook.
COLAB_PACKAGES = ["numpy", "matplotlib", "ipywidgets", "ipykernel", "nbclient", "nbformat"]


_PIN = re.compile(r"@v[0-9A-Za-z.+-]+(?=\")")


def setup_cell(path: Path):
    return nbformat.read(path, as_version=4).cells[0]


def release_tag() -> str:
    import tomllib

    return "v" + tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]


def repository_url() -> str:
    return yaml.safe_load((ROOT / "_config.yml").read_text())["repository"]["url"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_starts_with_the_setup_cell(path):
    cell = setup_cell(path)
    assert cell.cell_type == "code" and cell.get("id") == SETUP_ID, f"{path.name}: the first cell is not the set-up"
    assert "remove-cell" in cell.metadata.get("tags", []), f"{path.name}: the set-up cell is not hidden in the book"
    first = setup_cell(NOTEBOOKS[0]).source
    assert cell.source == first, f"{path.name}: the set-up cell differs from chapter 1's"


def test_setup_cell_installs_from_the_repository():
    source = setup_cell(NOTEBOOKS[0]).source
    assert f'"git+{repository_url()}@{release_tag()}"' in source, "the default URL is not the repository's release"
    assert '"LSTM_UTILS_URL"' in source and "lstm_utils[book] @ {url}" in source


def test_setup_cell_does_nothing_where_lstm_utils_imports():
    """With lstm_utils importable, the cell must not call pip: a URL that cannot be installed proves it."""
    env = dict(os.environ, PYTHONPATH=str(ROOT), LSTM_UTILS_URL="git+file:///nonexistent/lstm_utils")
    proc = subprocess.run([sys.executable, "-c", setup_cell(NOTEBOOKS[0]).source], env=env, capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 0 and "pip" not in proc.stderr, proc.stderr


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_reads_no_file_of_the_repository(path):
    """A notebook opened alone has no ../tests/data or data/ beside it: what a chapter reads is package data."""
    pattern = re.compile(r"""["'](\.\./|\./|data/|tests/|lstm_utils/results)""")
    found = [line.strip() for cell in nbformat.read(path, as_version=4).cells if cell.cell_type == "code"
             for line in cell.source.splitlines() if pattern.search(line)]
    assert not found, f"{path.name} reads files outside the package: {found}"


@pytest.mark.fresh_venv
def test_a_chapter_alone_installs_lstm_utils_and_runs(clean_clone, fresh_venv, tmp_path):
    venv = fresh_venv("colab")
    venv.pip_install(*COLAB_PACKAGES, "--constraint", ROOT / "requirements.txt", cwd=tmp_path)
    absent = subprocess.run([str(venv.python), "-c", "import lstm_utils"], cwd=tmp_path, env=venv.env(),
                            capture_output=True, text=True)
    assert absent.returncode != 0, "lstm_utils is importable before the set-up cell ran"

    alone = tmp_path / "alone"
    alone.mkdir()
    shutil.copy(ROOT / "notebooks" / CHAPTER, alone / CHAPTER)
    result = venv.execute_notebook(alone / CHAPTER, LSTM_UTILS_URL=f"git+file://{clean_clone}",
                                   PIP_CONSTRAINT=str(ROOT / "requirements.txt"))
    print(f"Colab simulation: {CHAPTER} ran in {result['seconds']:.0f} s (installing lstm_utils included)")
    assert result["error"] is None, f"{CHAPTER} failed when opened alone:\n{result['error']}"
    where = venv.run([venv.python, "-c", "import lstm_utils; print(lstm_utils.__file__)"], cwd=tmp_path)
    assert str(venv.path) in where.stdout, f"lstm_utils imports from {where.stdout.strip()}, not the venv"
