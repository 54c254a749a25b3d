"""The package is honest about what it needs: ``import lstm_utils`` works where only numpy is installed.

A fresh virtual environment gets numpy (from pip's cache when it holds it, else PyPI) and setuptools to build with,
then ``pip install --no-deps`` of a copy of this package; in it the cells run, the data ships with the package
(importlib.resources), training runs without tqdm, and the names that need matplotlib say so when used. Skipped,
with the reason, only when pip cannot reach a package index.
"""

import json
import re
import shutil
import subprocess
import sys
import textwrap
import tomllib
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
NETWORK_ERRORS = re.compile(r"NewConnectionError|Temporary failure in name resolution|Network is unreachable|"
                            r"No matching distribution found|Could not find a version|ProxyError|timed out|"
                            r"ConnectionError|Failed to establish", re.I)


def test_declared_dependencies_are_numpy_and_the_book_extra():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert [re.split(r"[<>=!~ ]", d)[0] for d in project["dependencies"]] == ["numpy"]
    book = {re.split(r"[<>=!~ \[]", d)[0] for d in project["optional-dependencies"]["book"]}
    assert {"matplotlib", "ipywidgets", "tqdm", "threadpoolctl"} <= book


def test_the_core_modules_import_nothing_beyond_numpy():
    # the same promise checked in this interpreter: a fresh one imports the package and reports what it loaded
    code = ("import sys, lstm_utils, lstm_utils.train, lstm_utils.experiments, lstm_utils.reading;"
            "print(sorted({m.split('.')[0] for m in sys.modules} & "
            "{'matplotlib', 'ipywidgets', 'tqdm', 'threadpoolctl', 'cycler', 'IPython'}))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env={"PYTHONPATH": str(ROOT), "PATH": ""})
    assert out.stdout.strip() == "[]"


def _pip(python, *args, timeout=240):
    return subprocess.run([str(python), "-m", "pip", "--disable-pip-version-check", "--no-input", *args],
                          capture_output=True, text=True, timeout=timeout)


@pytest.fixture(scope="module")
def numpy_only_env(tmp_path_factory):
    """A virtualenv holding numpy (the version of this environment) and the package, nothing else."""
    base = tmp_path_factory.mktemp("numpy-only")
    subprocess.run([sys.executable, "-m", "venv", str(base / "venv")], check=True, timeout=120)
    python = base / "venv" / "bin" / "python"
    got = _pip(python, "install", "--timeout", "20", "--retries", "1", f"numpy=={np.__version__}", "setuptools>=77")
    if got.returncode != 0:
        if NETWORK_ERRORS.search(got.stdout + got.stderr):
            pytest.skip(f"pip cannot reach a package index to install numpy: {got.stderr.strip().splitlines()[-1]}")
        pytest.fail(f"pip install numpy failed:\n{got.stdout}\n{got.stderr}")
    # a copy of the package, so that the build writes nothing into the work tree
    src = base / "src"
    src.mkdir()
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        if (ROOT / name).exists():
            shutil.copy(ROOT / name, src / name)
    shutil.copytree(ROOT / "lstm_utils", src / "lstm_utils", ignore=shutil.ignore_patterns("__pycache__"))
    got = _pip(python, "install", "--no-deps", "--no-build-isolation", "--no-index", str(src))
    assert got.returncode == 0, f"pip install --no-deps of the package failed:\n{got.stdout}\n{got.stderr}"
    return python


SCRIPT = textwrap.dedent("""
    import importlib.util, json, sys
    import numpy as np
    import lstm_utils as lu

    out = {"file": lu.__file__}
    out["missing"] = [m for m in ("matplotlib", "ipywidgets", "tqdm", "threadpoolctl")
                      if importlib.util.find_spec(m) is not None]
    p = lu.init_lstm(3, 4, rng=0)
    hs, cs, cache = lu.lstm_forward(np.ones((5, 2, 3)), None, None, p)
    grads, dxs, dh0, dc0 = lu.lstm_backward(np.ones_like(hs), cache)
    out["lstm"] = [list(hs.shape), list(dxs.shape), bool(np.all(np.isfinite(hs)))]
    out["results"] = len(lu.experiments.load_results())            # package data, read with importlib.resources
    out["review_model"] = sorted(lu.reading.load_review_model("lstm"))
    gen = lambda n, rng: lu.data.adding_problem(n, 6, rng=rng)
    params, hist = lu.train.train("rnn", lu.models.init_model("rnn", 2, 3, 1, rng=0), gen, task="regression",
                                  steps=3, progress=False)
    out["train_steps"] = hist["steps"]
    try:
        lu.use_style
    except ImportError as exc:
        out["use_style"] = str(exc)
    print(json.dumps(out))
""")


@pytest.mark.fresh_venv
def test_import_and_run_with_numpy_alone(numpy_only_env, tmp_path):
    got = subprocess.run([str(numpy_only_env), "-c", SCRIPT], capture_output=True, text=True, timeout=120,
                         cwd=tmp_path, env={"PATH": "", "OPENBLAS_NUM_THREADS": "1"})
    assert got.returncode == 0, got.stderr
    out = json.loads(got.stdout)
    assert "site-packages" in out["file"]                               # the installed copy, not the work tree
    assert out["missing"] == []                                         # none of the book's packages is there
    assert out["lstm"] == [[5, 2, 4], [5, 2, 3], True]
    assert out["results"] > 0 and "W_f" in out["review_model"]
    assert out["train_steps"] == 3
    assert "needs matplotlib" in out["use_style"] and "lstm_utils[book]" in out["use_style"]
