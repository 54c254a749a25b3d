"""The notebooks as files: listed in the table of contents, committed clean, runnable with the course's kernel.

Executing them is nbval's job (`pytest --nbval-lax notebooks`); this file checks what a reader of the repository and
the book build rely on without running anything.
"""

import json
from pathlib import Path

import nbformat
import pytest

from browser_support import toc_pages

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))


def toc_files():
    """Every page listed in _toc.yml, in reading order (the root, then parts -> chapters -> sections)."""
    return toc_pages(ROOT)


def _id(path):
    return path.name


def test_there_are_notebooks_and_a_toc():
    assert len(NOTEBOOKS) >= 10
    assert len(toc_files()) >= len(NOTEBOOKS)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_id)
def test_notebook_is_in_the_toc(path):
    listed = {str(Path(f).with_suffix("")) for f in toc_files()}
    assert f"notebooks/{path.stem}" in listed, f"{path.name} is not listed in _toc.yml"


def test_every_toc_entry_exists():
    missing = []
    for f in toc_files():
        p = ROOT / f
        if not (p.suffix and p.exists()) and not any(p.with_suffix(s).exists() for s in (".md", ".ipynb", ".rst")):
            missing.append(f)
    assert not missing, f"_toc.yml lists files that do not exist: {missing}"


def test_no_file_is_listed_twice():
    files = [str(Path(f).with_suffix("")) for f in toc_files()]
    assert len(files) == len(set(files))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_id)
def test_notebook_is_committed_clean(path):
    nb = json.loads(path.read_text())
    dirty = [i for i, cell in enumerate(nb["cells"]) if cell["cell_type"] == "code"
             and (cell.get("outputs") or cell.get("execution_count") is not None)]
    assert not dirty, f"{path.name}: cells {dirty} have outputs or execution counts; clear them before committing"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_id)
def test_notebook_kernel_and_format(path):
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    assert nb.metadata.get("kernelspec", {}).get("name") == "python3"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_id)
def test_notebook_opens_with_its_title(path):
    """After the Colab set-up cell (hidden in the book, see test_colab.py), the first cell is markdown starting with
    the chapter's only H1, which the book uses as the page title."""
    nb = nbformat.read(path, as_version=4)
    first = nb.cells[1] if nb.cells[0].get("id") == "colab-setup" else nb.cells[0]
    assert first.cell_type == "markdown" and first.source.startswith("# ")
    h1 = [line for cell in nb.cells if cell.cell_type == "markdown" for line in _prose_lines(cell.source)
          if line.startswith("# ")]
    assert len(h1) == 1, f"{path.name}: expected one H1 heading, got {h1}"


def _prose_lines(markdown):
    """The lines of a markdown cell outside fenced code blocks (a `# comment` in code is not a heading)."""
    fence = None
    for line in markdown.splitlines():
        stripped = line.lstrip()
        if fence is None and stripped.startswith(("```", "~~~")):
            fence = stripped[:3]
        elif fence is not None and stripped.startswith(fence) and stripped.strip(fence[0]) == "":
            fence = None
        elif fence is None:
            yield line
