"""Every notebook under several OpenBLAS kernels: a table of pass/fail and seconds (`make portability`).

A training run is a chaotic function of the rounding inside the matrix products, and numpy's bundled OpenBLAS
rounds differently under each of its CPU kernels, which ``OPENBLAS_CORETYPE`` selects. Executing every chapter
under several kernels on one machine therefore checks that no claim of the book depends on one machine's rounding.

Usage (from the repository root):

    .venv/bin/python scripts/portability.py [--kernels default Haswell SkylakeX Sandybridge] [--jobs 2]
                                            [--notebooks notebooks/08_long_range_memory.ipynb ...]

``default`` leaves ``OPENBLAS_CORETYPE`` unset (the kernel OpenBLAS picks for this CPU). Each notebook runs from
``notebooks/`` in a fresh kernel, its outputs discarded; a failing cell fails the notebook, and the table says which
cell. Exit status 1 if any notebook failed under any kernel.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_KERNELS = ["default", "Haswell", "SkylakeX", "Sandybridge"]

# The child process that executes one notebook and reports as JSON (shared with the Binder and Colab tests).
RUN_NOTEBOOK = ROOT / "scripts" / "run_notebook.py"


def openblas_kernel(env):
    """The kernel OpenBLAS actually runs under ``env`` (threadpoolctl's report), or '?'."""
    code = ("import numpy, threadpoolctl; print(next((i['architecture'] for i in threadpoolctl.threadpool_info() "
            "if i['internal_api'] == 'openblas'), '?'))")
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    return out.stdout.strip() or "?"


def environment(kernel):
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1")
    env.pop("OPENBLAS_CORETYPE", None)
    if kernel != "default":
        env["OPENBLAS_CORETYPE"] = kernel
    return env


def execute(notebook, kernel, timeout):
    proc = subprocess.run([sys.executable, str(RUN_NOTEBOOK), notebook.name, str(timeout)], cwd=notebook.parent,
                          env=environment(kernel), capture_output=True, text=True)
    try:
        result = json.loads(proc.stdout.strip().splitlines()[-1])
    except (IndexError, json.JSONDecodeError):
        return {"seconds": float("nan"), "error": (proc.stderr.strip().splitlines() or ["no output"])[-1][:200]}
    if result["error"]:    # the table has room for the last line of the report only
        lines = [line for line in result["error"].splitlines() if line.strip()]
        result["error"] = lines[-1][:200] if lines else "cell failed"
    return result


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--kernels", nargs="+", default=DEFAULT_KERNELS)
    p.add_argument("--notebooks", nargs="+", type=Path,
                   default=sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")))
    p.add_argument("--jobs", type=int, default=2)
    p.add_argument("--timeout", type=int, default=600, help="seconds per cell")
    a = p.parse_args(argv)
    notebooks = [nb.resolve() for nb in a.notebooks]
    actual = {k: openblas_kernel(environment(k)) for k in a.kernels}
    print("kernels: " + ", ".join(f"{k} -> {actual[k]}" for k in a.kernels), flush=True)

    jobs = [(nb, k) for nb in notebooks for k in a.kernels]
    start = time.perf_counter()
    with ThreadPoolExecutor(a.jobs) as pool:            # each job is its own process (and kernel)
        results = dict(zip(jobs, pool.map(lambda job: execute(job[0], job[1], a.timeout), jobs), strict=True))
    total = time.perf_counter() - start

    names = [f"{k} ({actual[k]})" if k == "default" else k for k in a.kernels]
    names = [n.ljust(len("pass 100.0 s")) for n in names]
    width = max(len(nb.stem) for nb in notebooks)
    print(f"\n| {'notebook':{width}} | " + " | ".join(names) + " |")
    print(f"|{'-' * (width + 2)}|" + "|".join("-" * (len(n) + 2) for n in names) + "|")
    failures = []
    for nb in notebooks:
        cells = []
        for k, name in zip(a.kernels, names, strict=True):
            r = results[nb, k]
            cells.append(f"{'pass' if r['error'] is None else 'FAIL'} {r['seconds']:5.1f} s".ljust(len(name)))
            if r["error"] is not None:
                failures.append(f"{nb.stem} under {k}: {r['error']}")
        print(f"| {nb.stem:{width}} | " + " | ".join(cells) + " |")
    print(f"\n{len(jobs)} executions in {total:.0f} s on {a.jobs} processes; {len(failures)} failed")
    for f in failures:
        print("  " + f)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
