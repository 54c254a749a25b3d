"""Chapter 08 and 10's sweep: learning rates chosen, then every task x model x length on ten fresh seeds; and the
long runs (the budget tested, the 1997 lengths). Resumable; runs on a Dask cluster.

Usage (from the repository root):

    .venv/bin/python scripts/run_experiments.py select        # the learning-rate selection (make experiments)
    .venv/bin/python scripts/run_experiments.py main          # the sweep at the chosen rates (make experiments)
    .venv/bin/python scripts/run_experiments.py long          # 3x budgets, T = 500 and 1000 (make experiments-long)
    options: [--jobs 2] [--scheduler tcp://host:8786] [--tasks adding] [--models lstm_bf3] [--lengths 100]

Stages and files (all in ``lstm_utils/results/``):

* ``select`` -> ``lr_selection.jsonl``: every model at three learning rates on three *selection* seeds (100-102),
  never reported; :func:`lstm_utils.experiments.chosen_learning_rates` picks each model's rate from them.
* ``main`` -> ``long_range_sweep.jsonl``: every model at its chosen rate on seeds 0-9, the budget of
  ``SETTINGS``; chapters 08 and 10 read it.
* ``long`` -> ``long_range_long.jsonl``: the configurations that fail at T = 200 and 400 with three times the
  budget, and the 1997 lengths T = 500 (10 seeds, twice the paper's 209,000 sequences) and T = 1000 (the paper's
  853,000).

A unit of work is one configuration on a chunk of seeds, trained as one computation
(:func:`lstm_utils.experiments.start_stack`). Each unit runs on a worker of a Dask cluster: by default a local
cluster of ``--jobs`` single-threaded processes, or a running cluster's scheduler (``--scheduler``). Only this
process (the client) writes the results file, one JSON line per run as soon as its unit ends, so a killed sweep
started again skips the runs already there. A unit that takes long saves its whole state every few minutes in
``lstm_utils/results/partial/`` (git-ignored) and a restarted sweep resumes it from there, on the same seeds and
batches. Beside each file a ``.settings.json`` records the settings, models, machine (CPU model, numpy's SIMD
level, OpenBLAS kernel), every invocation's wall time, and the training code's fingerprint
(:func:`lstm_utils.experiments.training_fingerprint`).
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import signal
import sys
import time
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")   # tiny matrices: one BLAS thread per process is fastest
os.environ.setdefault("OMP_NUM_THREADS", "1")

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "lstm_utils" / "results"
PARTIAL = RESULTS / "partial"
CHUNK = 5                  # seeds per unit: S = 5 is the stacked trainer's fastest size per seed (make bench)
SAVE_EVERY = 300.0         # seconds between saves of a unit's state

LENGTHS = [10, 25, 50, 100, 200, 400]
RNNS = ("rnn", "rnn_identity", "rnn_h66")
LSTMS = ("lstm_bf1", "lstm_bf3", "lstm_bf3_bi3", "lstm_bf3_bispread")
GRUS = ("gru", "gru_bz3")
TASKS = ("adding", "temporal")
RATES = (1e-3, 3e-3, 1e-2)
SELECT_SEEDS = (100, 101, 102)
REPORT_SEEDS = tuple(range(10))


def select_plan():
    """The selection runs: every model at every rate, at one length where its outcome varies (the RNNs at
    T = 25, where the default RNN came closest; the gated cells at T = 100), on the selection seeds."""
    plan = []
    for model in RNNS + LSTMS + GRUS:
        T = 25 if model in RNNS else 100
        plan += [(task, model, T, lr, None, SELECT_SEEDS) for task in TASKS for lr in RATES]
    return plan


def main_plan(rates):
    """The reported sweep at the chosen rates: the RNNs and the GRU with b_z = 0 to T = 100 (where they fail on
    most seeds), b_f = 1 to T = 200, the other gated starts to T = 400; the intervention at T = 200 and 400, where
    the start it changes fails."""
    plan = []
    for model in RNNS + LSTMS + GRUS:
        top = 100 if model in RNNS + ("gru",) else 200 if model == "lstm_bf1" else 400
        plan += [(task, model, T, rates[model], None, REPORT_SEEDS) for task in TASKS for T in LENGTHS if T <= top]
    from lstm_utils.experiments import INTERVENTIONS
    for model, base in INTERVENTIONS.items():
        plan += [(task, model, T, rates[base], None, REPORT_SEEDS) for task in TASKS for T in (200, 400)]
    return plan


def long_plan(rates, best_lstm, best_gru):
    """The budget tested (3x the steps where the sweep's LSTM starts fail), then the 1997 lengths."""
    from lstm_utils.experiments import SETTINGS
    b = SETTINGS["batch_size"]
    plan = [(task, model, T, rates[model], 3 * SETTINGS["steps"], REPORT_SEEDS)
            for task in TASKS for model in ("lstm_bf3", "lstm_bf3_bi3") for T in (200, 400)]
    plan += [("adding", m, 500, rates[m], -(-2 * 209_000 // b), REPORT_SEEDS) for m in (best_lstm, best_gru)]
    plan += [("adding", m, 1000, rates[m], -(-853_000 // b), REPORT_SEEDS[:5]) for m in (best_gru, best_lstm)]
    return plan


# ---------------------------------------------------------------------------------------------------------------
# One unit of work, on a worker
# ---------------------------------------------------------------------------------------------------------------

def unit_key(task, model, T, lr, steps, seeds):
    return f"{task}-{model}-T{T}-lr{lr:g}-steps{steps}-seeds{'_'.join(map(str, seeds))}"


def run_unit(unit, partial_dir):
    """Train one unit to the end, saving its state every SAVE_EVERY seconds; its records."""
    os.environ["OPENBLAS_NUM_THREADS"] = "1"
    from lstm_utils.experiments import SETTINGS, finish_stack, start_stack
    task, model, T, lr, steps, seeds = unit
    steps = steps or SETTINGS["steps"]
    path = Path(partial_dir) / (unit_key(task, model, T, lr, steps, seeds) + ".pkl")
    if path.exists():
        with open(path, "rb") as f:
            run = pickle.load(f)
    else:
        run = start_stack(task, model, T, list(seeds), lr=lr, steps=steps)
    while not run.done:
        run.advance(until=time.time() + SAVE_EVERY)
        if not run.done:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(".tmp")
            with open(tmp, "wb") as f:
                pickle.dump(run, f)
            tmp.replace(path)                   # atomic: a kill mid-write leaves the previous state
    records = finish_stack(run)
    path.unlink(missing_ok=True)
    return records


# ---------------------------------------------------------------------------------------------------------------
# The client
# ---------------------------------------------------------------------------------------------------------------

def read_records(path):
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def machine():
    """The CPU, numpy's SIMD level and the BLAS: what decides the rounding of a run."""
    import platform

    import numpy as np
    import threadpoolctl
    from numpy._core._multiarray_umath import __cpu_baseline__, __cpu_dispatch__, __cpu_features__

    cpu = "unknown"
    try:
        cpu = next(line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name"))
    except (OSError, StopIteration):
        cpu = platform.processor() or cpu
    return {"python": platform.python_version(), "numpy": np.__version__, "machine": platform.machine(),
            "cpu": cpu, "numpy_simd": {"baseline": list(__cpu_baseline__),
                                       "dispatch_enabled": [f for f in __cpu_dispatch__ if __cpu_features__.get(f)]},
            "NPY_DISABLE_CPU_FEATURES": os.environ.get("NPY_DISABLE_CPU_FEATURES", ""),
            "OPENBLAS_CORETYPE": os.environ.get("OPENBLAS_CORETYPE", ""),
            "blas": [{k: i.get(k) for k in ("internal_api", "version", "architecture", "num_threads")}
                     for i in threadpoolctl.threadpool_info()]}


def write_settings(out, stage, plan, n_runs, seconds, jobs, fresh):
    from lstm_utils.experiments import MODELS, SETTINGS, TASKS as TASK_SPECS, pinned_fingerprint

    path = out.with_suffix(".settings.json")
    earlier = json.loads(path.read_text()) if path.exists() and not fresh else {}
    this = {"runs": n_runs, "seconds": round(seconds, 1), "jobs": jobs, "finished": time.strftime("%Y-%m-%d %H:%M"),
            **machine()}
    meta = {"written_by": f"scripts/run_experiments.py {stage}", "settings": SETTINGS,
            "models": {k: {"cell": m.cell, "init": m.init, "label": m.label, "hidden_size": m.hidden_size,
                           "input_bias_spread": list(m.input_bias_spread)} for k, m in MODELS.items()},
            "tasks": {k: {"kind": t.kind, "chance": t.chance, "paper": t.paper} for k, t in TASK_SPECS.items()},
            "plan": [{"task": t, "model": m, "T": T, "lr": lr, "steps": st, "seeds": list(ss)}
                     for t, m, T, lr, st, ss in plan],
            "runs_in_file": len(read_records(out)),
            "fingerprint": pinned_fingerprint(),
            "invocations": earlier.get("invocations", []) + ([this] if n_runs else [])}
    path.write_text(json.dumps(meta, indent=1) + "\n")


def todo_units(plan, done):
    """The plan's units less the runs already in the file, each configuration's seeds cut into chunks."""
    units = []
    for task, model, T, lr, steps, seeds in plan:
        left = [s for s in seeds if (task, model, T, lr, steps, s) not in done]
        units += [(task, model, T, lr, steps, tuple(left[i:i + CHUNK])) for i in range(0, len(left), CHUNK)]
    units.sort(key=lambda u: -(u[2] * (u[4] or 3000)))   # the longest first, so none is left alone at the end
    return units


def override_plan(plan, a):
    """The plan with ``--seeds`` and ``--steps`` in place of its seeds and budget (for a quick look or a test):
    what the file's runs are runs of, so the settings record this plan."""
    return [(t, m, T, lr, a.steps or st, tuple(a.seeds) if a.seeds else ss) for t, m, T, lr, st, ss in plan]


def cut_plan(plan, a):
    """The configurations of ``plan`` that ``--tasks``, ``--models`` and ``--lengths`` choose: what this invocation
    runs. The settings keep the whole plan, so a run of a few units does not shrink what the file is checked
    against."""
    return [p for p in plan if (not a.tasks or p[0] in a.tasks) and (not a.models or p[1] in a.models)
            and (not a.lengths or p[2] in a.lengths)]


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0].replace("\n", " "))
    p.add_argument("stage", choices=("select", "main", "long"))
    p.add_argument("--tasks", nargs="+")
    p.add_argument("--models", nargs="+")
    p.add_argument("--lengths", nargs="+", type=int)
    p.add_argument("--seeds", nargs="+", type=int, help="these seeds instead of the plan's")
    p.add_argument("--steps", type=int, help="this budget (updates) instead of the plan's")
    p.add_argument("--jobs", type=int, default=2, help="worker processes of the local cluster (default 2)")
    p.add_argument("--scheduler", help="address of a running Dask scheduler (default: a local cluster)")
    p.add_argument("--out", type=Path, help="results file (default: the stage's file in lstm_utils/results/)")
    p.add_argument("--fresh", action="store_true", help="discard the runs already in the file")
    p.add_argument("--dry-run", action="store_true", help="print the units to run and stop")
    p.add_argument("--settings-only", action="store_true",
                   help="write the settings file of what the results file holds, run nothing")
    a = p.parse_args(argv)

    from lstm_utils import experiments as ex

    out = a.out or RESULTS / {"select": ex.SELECTION, "main": ex.SWEEP, "long": ex.LONG_RESULTS}[a.stage]
    if a.stage == "select":
        plan = select_plan()
    else:
        rates = ex.chosen_learning_rates(read_records(RESULTS / ex.SELECTION))
        if a.stage == "main":
            plan = main_plan(rates)
        else:
            best_lstm, best_gru = ex.best_starts(read_records(RESULTS / ex.SWEEP))
            plan = long_plan(rates, best_lstm, best_gru)
    plan = override_plan(plan, a)
    if a.fresh and out.exists():
        out.unlink()
    from lstm_utils.experiments import SETTINGS
    done = {(r["task"], r["model"], r["T"], r["lr"], None if r["budget"] == SETTINGS["steps"] else r["budget"],
             r["seed"]) for r in read_records(out)}
    units = todo_units(cut_plan(plan, a), done)
    n = sum(len(u[5]) for u in units)
    print(f"{len(done)} runs in {out.name}; {n} to run in {len(units)} units", flush=True)
    if a.dry_run:
        for u in units:
            print(unit_key(*u))
        return 0
    if a.settings_only:
        write_settings(out, a.stage, plan, 0, 0.0, a.jobs, False)
        return 0
    start = time.perf_counter()
    # the records this invocation writes, counted as it writes them: the file's growth would also count what
    # another invocation appends meanwhile (one writing other units into the same file)
    written = []
    # stopped (Ctrl-C, or `kill` = SIGTERM): the runs written so far stay, and the settings still say so
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    try:
        if units:
            run_on_cluster(units, out, a, written)
    finally:
        seconds = time.perf_counter() - start
        ran = len(written)
        print(f"{ran} runs in {seconds:.0f} s; {out.name} holds {len(read_records(out))}", flush=True)
        write_settings(out, a.stage, plan, ran, seconds, a.jobs, a.fresh)
    return 0


def run_on_cluster(units, out, a, written):
    """Hand the units to Dask workers; write each unit's records as it ends (this process alone writes), and
    append them to ``written``."""
    import dask
    from dask.distributed import Client, LocalCluster, as_completed
    from tqdm import tqdm

    out.parent.mkdir(parents=True, exist_ok=True)
    # Dask's nanny starts workers with MALLOC_TRIM_THRESHOLD_=65536, so that every large array freed goes back to
    # the system and the next step faults its pages in again: a third of a worker's time at T = 400. Keep them.
    # (Setting the trim threshold fixes glibc's mmap threshold at 128 KiB, so raise that too, to its 32 MiB limit.)
    dask.config.set({"distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_": str(2**31 - 1),
                     "distributed.nanny.pre-spawn-environ.MALLOC_MMAP_THRESHOLD_": str(32 * 2**20)})
    if a.scheduler:
        client, cluster = Client(a.scheduler), None
    else:
        cluster = LocalCluster(n_workers=a.jobs, threads_per_worker=1, processes=True, dashboard_address=":0")
        client = Client(cluster)
    try:
        # a unit can run for hours: never let the scheduler think a busy worker is lost or a task is stuck
        futures = [client.submit(run_unit, u, str(PARTIAL), key=unit_key(*u), pure=False, retries=1)
                   for u in units]
        with open(out, "a") as f, tqdm(total=sum(len(u[5]) for u in units), unit="run", smoothing=0) as bar:
            for fut in as_completed(futures):
                records = fut.result()
                for r in records:
                    f.write(json.dumps(r) + "\n")
                f.flush()
                written.extend(records)
                r = records[0]
                bar.set_postfix_str(f"{r['model']} {r['task']} T={r['T']} lr={r['lr']:g}: "
                                    f"{sum(x['solved'] for x in records)}/{len(records)} solved")
                bar.update(len(records))
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


if __name__ == "__main__":
    sys.exit(main())
