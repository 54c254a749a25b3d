"""`make test` checks two roundings: nbval's notebook kernels run under another OpenBLAS kernel than the book build.

A training run is a chaotic function of the rounding in the matrix products; numpy's bundled OpenBLAS rounds
differently under each CPU kernel (``OPENBLAS_CORETYPE``). So that no claim of the book can hold on one machine's
rounding only, `make test` executes every notebook twice, in the book build and under nbval, under two kernels.
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from book_cache import book_environment

KERNEL = ("import numpy, threadpoolctl; print(next(i['architecture'] for i in threadpoolctl.threadpool_info() "
          "if i['internal_api'] == 'openblas'))")


def kernel_under(env):
    return subprocess.run([sys.executable, "-c", KERNEL], env=env, capture_output=True, text=True,
                          check=True).stdout.strip()


@pytest.mark.skipif("BOOK_OPENBLAS_CORETYPE" not in os.environ,
                    reason="run by `make test`, which sets BOOK_OPENBLAS_CORETYPE for the book build")
def test_nbval_and_the_book_build_round_differently():
    nbval_kernel = kernel_under(dict(os.environ))     # nbval's notebook kernels inherit this environment
    book_kernel = kernel_under(book_environment())
    assert nbval_kernel != book_kernel, (
        f"nbval and the book build both run OpenBLAS's {nbval_kernel} kernel; set NBVAL_CORETYPE to another one")


@pytest.mark.skipif("BOOK_NPY_DISABLE_CPU_FEATURES" not in os.environ,
                    reason="run by `make test`, which sets BOOK_NPY_DISABLE_CPU_FEATURES for the book build")
def test_nbval_runs_without_the_avx512_loops_the_book_build_uses():
    nbval, book = os.environ.get("NPY_DISABLE_CPU_FEATURES", ""), book_environment().get("NPY_DISABLE_CPU_FEATURES", "")
    script = Path(__file__).resolve().parents[1] / "scripts" / "avx512_targets.py"
    has_avx512 = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, check=True,
                                env=book_environment()).stdout.strip()
    assert nbval == has_avx512 and book != nbval or not has_avx512


def test_book_environment_restores_the_callers_kernel(monkeypatch):
    monkeypatch.setenv("OPENBLAS_CORETYPE", "Sandybridge")
    monkeypatch.setenv("BOOK_OPENBLAS_CORETYPE", "Haswell")
    env = book_environment()
    assert env["OPENBLAS_CORETYPE"] == "Haswell" and "BOOK_OPENBLAS_CORETYPE" not in env
    monkeypatch.setenv("BOOK_OPENBLAS_CORETYPE", "")           # the caller had no kernel set: the default
    assert "OPENBLAS_CORETYPE" not in book_environment()
    monkeypatch.setenv("NPY_DISABLE_CPU_FEATURES", "X86_V4")
    monkeypatch.setenv("BOOK_NPY_DISABLE_CPU_FEATURES", "")
    assert "NPY_DISABLE_CPU_FEATURES" not in book_environment()
