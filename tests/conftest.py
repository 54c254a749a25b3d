"""Shared pytest fixtures, the ``book`` marker on every test that needs the built book, and the fresh environments
of the Binder and Colab simulations."""

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))     # the build tooling the tests share with `make book`: book_cache.py


def pytest_collection_modifyitems(items):
    # A test that asks for the built book is marked `book`, so that `make unit` (-m "not book ...") leaves it out
    # without each test file having to say so.
    for item in items:
        if "built_book" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.book)


@pytest.fixture(scope="session")
def built_book():
    """The built book (``_build/html``): built once per test session (per xdist worker, behind a file lock) with
    ``jupyter-book build . -W -n --keep-going``, or reused while its stamp matches the hash of today's sources."""
    from book_cache import BuildFailed, ensure_book

    try:
        return ensure_book()
    except BuildFailed as exc:
        message = str(exc)
    pytest.fail(message, pytrace=False)


# --- The Binder and Colab simulations (tests/test_binder.py, tests/test_colab.py) --------------------------------
# Both build a fresh virtualenv with pip (through pip's own cache, so a second run downloads nothing), from a clean
# clone of the committed HEAD: what they test is what a reader gets from the repository, not this working tree.


# Run in a fresh venv's python: executes one notebook with nbclient from its folder, reports JSON on stdout.
RUN_NOTEBOOK = ROOT / "scripts" / "run_notebook.py"

# Variables of this process that must not reach a fresh environment: they would make it import the working tree's
# lstm_utils or this venv's packages, or constrain its pip.
LEAKY = ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "PIP_CONSTRAINT", "PIP_REQUIREMENT", "JUPYTER_PATH",
         "JUPYTER_DATA_DIR", "JUPYTER_CONFIG_DIR", "IPYTHONDIR", "BOOK_OPENBLAS_CORETYPE")


class FreshVenv:
    """A virtualenv made with ``python -m venv`` (this interpreter's base Python) in ``path``."""

    def __init__(self, path: Path):
        self.path = path
        self.python = path / "bin" / "python"
        subprocess.run([sys.executable, "-m", "venv", str(path)], check=True)
        (path / "home").mkdir()
        # A current pip, as Binder and Colab have: the one a venv bundles may be too old to parse
        # `name[extra] @ git+file:///path` (pip < 24.1).
        self.pip_install("--upgrade", "pip>=24.1", cwd=path)

    def env(self, **extra) -> dict:
        env = {k: v for k, v in os.environ.items() if k not in LEAKY}
        env.update(PATH=f"{self.path / 'bin'}{os.pathsep}{env.get('PATH', '')}", VIRTUAL_ENV=str(self.path),
                   JUPYTER_DATA_DIR=str(self.path / "home" / "jupyter"), IPYTHONDIR=str(self.path / "home" / "ipython"),
                   MPLCONFIGDIR=str(self.path / "home" / "matplotlib"), PIP_DISABLE_PIP_VERSION_CHECK="1")
        env.update(extra)
        return env

    def run(self, args, cwd, **extra) -> subprocess.CompletedProcess:
        """Run a command with this venv first on PATH; fail the test with its output if it fails."""
        proc = subprocess.run([str(a) for a in args], cwd=cwd, env=self.env(**extra), capture_output=True, text=True)
        if proc.returncode != 0:
            pytest.fail(f"`{' '.join(map(str, args))}` failed in {cwd} (exit {proc.returncode}):\n"
                        f"{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}", pytrace=False)
        return proc

    def pip_install(self, *args, cwd):
        return self.run([self.python, "-m", "pip", "install", "--quiet", *args], cwd=cwd)

    def execute_notebook(self, notebook: Path, timeout: int = 600, **extra) -> dict:
        """Execute ``notebook`` in this venv's python3 kernel, from the notebook's own folder."""
        proc = subprocess.run([str(self.python), str(RUN_NOTEBOOK), notebook.name, str(timeout)],
                              cwd=notebook.parent, env=self.env(**extra), capture_output=True, text=True)
        try:
            return json.loads(proc.stdout.strip().splitlines()[-1])
        except (IndexError, json.JSONDecodeError):
            return {"seconds": float("nan"), "error": f"exit {proc.returncode}: {proc.stderr[-3000:]}"}


@pytest.fixture(scope="module")
def clean_clone(tmp_path_factory) -> Path:
    """A ``git clone`` of this repository at its committed HEAD (uncommitted changes are not in it)."""
    head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=True)
    clone = tmp_path_factory.mktemp("clone") / "repo"
    subprocess.run(["git", "clone", "--quiet", "--no-checkout", str(ROOT), str(clone)], check=True)
    subprocess.run(["git", "checkout", "--quiet", "--detach", head.stdout.strip()], cwd=clone, check=True)
    return clone


@pytest.fixture(scope="module")
def fresh_venv(tmp_path_factory):
    """A factory of fresh virtualenvs: ``fresh_venv("name")``."""
    base = tmp_path_factory.mktemp("venvs")

    def make(name: str) -> FreshVenv:
        start = time.perf_counter()
        venv = FreshVenv(base / name)
        venv.created_seconds = time.perf_counter() - start
        return venv

    return make
