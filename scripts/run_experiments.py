"""Chapter 08's sweep: every task x model x length x seed of lstm_utils.experiments, resumable.

Usage (from the repository root; `make experiments` runs the default sweep):

    .venv/bin/python scripts/run_experiments.py [--jobs 2] [--tasks adding] [--models lstm_bf3] [--lengths 100]

Every run is :func:`lstm_utils.experiments.run` (task, model, length, seed), whose settings live in
``lstm_utils.experiments.SETTINGS``, so a notebook can repeat any configuration. Each finished run is appended at
once, as one JSON line, to ``lstm_utils/results/long_range_runs.jsonl``; a killed sweep started again skips the
runs already in the file and continues where it stopped. ``--fresh`` starts the file anew.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")   # tiny matrices: one BLAS thread per process is fastest
os.environ.setdefault("OMP_NUM_THREADS", "1")

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "lstm_utils" / "results" / "long_range_runs.jsonl"

# The sweep: (task, model, lengths, seeds). Chapter 08 reads the RNN and LSTM runs (10 seeds, lengths 10 to 400);
# chapter 10 compares the GRU with them (5 seeds; the default GRU at lengths 10 to 100, where the LSTM learns, the GRU
# with the remembering start at every length).
LENGTHS = [10, 25, 50, 100, 200, 400]
SWEEP = [(task, model, LENGTHS, range(10)) for task in ("adding", "temporal")
         for model in ("rnn", "rnn_identity", "lstm_bf1", "lstm_bf3")]
SWEEP += [(task, "gru", LENGTHS[:4], range(5)) for task in ("adding", "temporal")]
SWEEP += [(task, "gru_bz3", LENGTHS, range(5)) for task in ("adding", "temporal")]
# chapter 10's test of why the GRU above goes further: an LSTM whose input gate, like the GRU's z, starts nearly closed
SWEEP += [(task, "lstm_bf3_bi3", LENGTHS[3:], range(5)) for task in ("adding", "temporal")]


def run_one(config):
    from lstm_utils.experiments import run
    return run(*config)


def configurations(a):
    out = []
    for task, model, lengths, seeds in SWEEP:
        if (a.tasks and task not in a.tasks) or (a.models and model not in a.models):
            continue
        out += [(task, model, T, s) for T in (a.lengths or lengths) for s in (a.seeds or seeds)]
    return out


def write_settings(a, n_runs, seconds):
    """Beside the runs, what made them: the settings, the models, the sweep, the machine and its BLAS kernel."""
    import platform

    import numpy as np
    import threadpoolctl

    from lstm_utils.experiments import MODELS, SETTINGS, TASKS

    blas = [{k: i.get(k) for k in ("internal_api", "version", "architecture", "num_threads")}
            for i in threadpoolctl.threadpool_info()]
    path = a.out.with_suffix(".settings.json")
    # every invocation that added runs to the file, so that a resumed sweep still tells its whole wall time
    earlier = json.loads(path.read_text()).get("invocations", []) if path.exists() and not a.fresh else []
    this = {"runs": n_runs, "seconds": round(seconds, 1), "jobs": a.jobs, "python": platform.python_version(),
            "numpy": np.__version__, "machine": platform.machine(), "blas": blas}
    meta = {"written_by": "scripts/run_experiments.py", "settings": SETTINGS,
            "models": {k: {"cell": m.cell, "init": m.init, "label": m.label} for k, m in MODELS.items()},
            "tasks": {k: {"kind": t.kind, "chance": t.chance, "paper": t.paper} for k, t in TASKS.items()},
            "sweep": [{"task": t, "model": m, "lengths": list(ls), "seeds": list(ss)} for t, m, ls, ss in SWEEP],
            "runs_in_file": sum(1 for line in a.out.read_text().splitlines() if line.strip()),
            "invocations": earlier + ([this] if n_runs else [])}
    path.write_text(json.dumps(meta, indent=1) + "\n")


def main(argv=None):
    from tqdm import tqdm

    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--tasks", nargs="+")
    p.add_argument("--models", nargs="+")
    p.add_argument("--lengths", nargs="+", type=int)
    p.add_argument("--seeds", nargs="+", type=int)
    p.add_argument("--jobs", type=int, default=2, help="worker processes (default 2)")
    p.add_argument("--out", type=Path, default=OUT)
    p.add_argument("--fresh", action="store_true", help="discard the runs already in the file")
    a = p.parse_args(argv)

    if a.fresh and a.out.exists():
        a.out.unlink()
    done = set()
    if a.out.exists():
        for line in a.out.read_text().splitlines():
            if line.strip():
                r = json.loads(line)
                done.add((r["task"], r["model"], r["T"], r["seed"]))
    todo = [c for c in configurations(a) if c not in done]
    todo.sort(key=lambda c: -c[2])        # longest first, so that no slow run is left alone at the end
    print(f"{len(done)} runs in {a.out.name}; {len(todo)} to run on {a.jobs} processes", flush=True)
    a.out.parent.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    with ProcessPoolExecutor(max_workers=a.jobs) as pool, open(a.out, "a") as f, \
            tqdm(total=len(todo), unit="run", smoothing=0) as bar:
        futures = [pool.submit(run_one, c) for c in todo]
        for fut in as_completed(futures):
            r = fut.result()
            f.write(json.dumps(r) + "\n")
            f.flush()
            bar.set_postfix_str(f"{r['model']} {r['task']} T={r['T']} seed={r['seed']}: "
                                f"{'solved' if r['solved'] else 'not solved'} ({r['steps']} steps)")
            bar.update(1)
    seconds = time.perf_counter() - start
    print(f"{len(todo)} runs in {seconds:.0f} s; {a.out.name} holds {len(done) + len(todo)}", flush=True)
    write_settings(a, len(todo), seconds)
    return 0


if __name__ == "__main__":
    sys.exit(main())
