"""`make test` checks two roundings: nbval's notebook kernels run under another OpenBLAS kernel than the book build.

A training run is a chaotic function of the rounding in the matrix products; numpy's bundled OpenBLAS rounds
differently under each CPU kernel (``OPENBLAS_CORETYPE``). So that no claim of the book can hold on one machine's
rounding only, `make test` executes every notebook twice, in the book build and under nbval, under two kernels.
"""

import os
import subprocess
import sys

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


def test_book_environment_restores_the_callers_kernel(monkeypatch):
    monkeypatch.setenv("OPENBLAS_CORETYPE", "Sandybridge")
    monkeypatch.setenv("BOOK_OPENBLAS_CORETYPE", "Haswell")
    env = book_environment()
    assert env["OPENBLAS_CORETYPE"] == "Haswell" and "BOOK_OPENBLAS_CORETYPE" not in env
    monkeypatch.setenv("BOOK_OPENBLAS_CORETYPE", "")           # the caller had no kernel set: the default
    assert "OPENBLAS_CORETYPE" not in book_environment()
