"""Chapter 08's sweep: RNN vs LSTM on the adding problem and the keyword task, accuracy against sequence length.

Usage (from the repository root; `make experiments` runs the default sweep):

    .venv/bin/python scripts/run_experiments.py [--lengths 10 20 50 100] [--seeds 0 1 2] [--jobs 2]

Every run is :func:`lstm_utils.train.long_range_run` (task, cell, length, seed): the settings live in
``lstm_utils.train.LONG_RANGE``, so the notebook can repeat any configuration and get the same numbers. The results
(a few KB of JSON: one record per run, no histories or weights) go to ``notebooks/data/long_range_results.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")   # tiny matrices: one BLAS thread per process is fastest
os.environ.setdefault("OMP_NUM_THREADS", "1")

ROOT = Path(__file__).resolve().parents[1]
KEEP = ("task", "cell", "T", "seed", "score", "test_loss", "best_val", "best_step", "steps", "solved", "seconds",
        "grad_ratio_start")


def run_one(args):
    from lstm_utils.train import long_range_run
    task, cell, T, seed = args
    r = long_range_run(task, cell, T, seed)
    return {k: r[k] for k in KEEP}


def main(argv=None):
    from lstm_utils.train import CHANCE, LONG_RANGE

    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--tasks", nargs="+", default=["adding", "keyword"], choices=sorted(LONG_RANGE))
    p.add_argument("--cells", nargs="+", default=["rnn", "lstm"])
    p.add_argument("--lengths", nargs="+", type=int, default=[10, 25, 50, 100])
    p.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    p.add_argument("--jobs", type=int, default=2, help="worker processes (default 2)")
    p.add_argument("--out", type=Path, default=ROOT / "notebooks" / "data" / "long_range_results.json")
    a = p.parse_args(argv)

    # longest first, so the slow runs do not end up alone at the end
    configs = sorted(((t, c, T, s) for t in a.tasks for c in a.cells for T in a.lengths for s in a.seeds),
                     key=lambda x: -x[2])
    start = time.perf_counter()
    runs = []
    with ProcessPoolExecutor(max_workers=a.jobs) as pool:
        for r in pool.map(run_one, configs):
            runs.append(r)
            print(f"{r['task']:8s} {r['cell']:5s} T={r['T']:4d} seed={r['seed']}  score={r['score']:.3f}  "
                  f"steps={r['steps']:5d}  {r['seconds']:6.1f} s", flush=True)
    runs.sort(key=lambda r: (r["task"], r["cell"], r["T"], r["seed"]))
    total = time.perf_counter() - start
    settings = {t: {k: v for k, v in LONG_RANGE[t].items()} for t in a.tasks}
    out = {"description": "RNN vs LSTM on long-time-lag tasks: test score per run of the best "
                          "validated parameters (adding: fraction solved, |error| < 0.04; keyword: accuracy). "
                          "Written by scripts/run_experiments.py.",
           "settings": settings, "chance": {t: CHANCE[t] for t in a.tasks},
           "lengths": a.lengths, "seeds": a.seeds, "total_seconds": round(total, 1), "runs": runs}
    a.out.parent.mkdir(parents=True, exist_ok=True)
    a.out.write_text(json.dumps(out, indent=1) + "\n")
    print(f"wrote {a.out.relative_to(ROOT) if a.out.is_relative_to(ROOT) else a.out} "
          f"({len(runs)} runs, {total:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
