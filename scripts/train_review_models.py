"""Chapter 09's models: the shipped LSTM and RNN, the reading's claims over seeds, "capacity or training?" over seeds.

Usage (from the repository root; `make review-models` runs it, a few minutes on 2 cores):

    .venv/bin/python scripts/train_review_models.py [--jobs 2]

Writes to ``lstm_utils/results/``:

* ``review_lstm.npz`` and ``review_rnn.npz``: the weights of the LSTM and the RNN trained on the mixed set with
  seed 0, which chapter 09 reads word by word, and ``review_rnn_short.npz``, the RNN trained on short reviews only
  with seed 0 (a forward pass rounds alike on every machine, so the chapter's claims about these models are exact);
* ``review_models.json``: the settings, the shipped models' accuracies, and per seed: the LSTM's accuracies and
  the chapter's claims about the article's review (:func:`lstm_utils.reading.reading_claims`) for LSTMs trained
  with seeds 0-5, and the RNN's near/far accuracies for 20 seeds on each training set (mixed, short only).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "lstm_utils" / "results"

# The chapter's training settings, for every model here.
SETTINGS = {"hidden_size": 16, "lr": 1e-2, "batch_size": 32, "steps": 1500, "eval_every": 50, "target": 0.99,
            "lstm_forget_bias": 3.0, "dtype": "float64"}
LSTM_SEEDS = range(6)          # seed 0 is shipped; 1-5 check that the reading's claims are not one seed's
RNN_SEEDS = range(20)          # per training set, for "capacity or training?"


def train_one(job):
    """Train one model: job = (cell, training set, seed). Returns (job, params, summary)."""
    import numpy as np

    import lstm_utils as lu

    cell, set_name, seed = job
    sets = lu.data.review_sets()
    kw = {"forget_bias": SETTINGS["lstm_forget_bias"]} if cell == "lstm" else {}
    params = lu.models.init_model(cell, len(lu.data.review_vocabulary()), SETTINGS["hidden_size"], 2, rng=seed, **kw)
    params, hist = lu.train.train(cell, params, sets[set_name], task="classification", steps=SETTINGS["steps"],
                                  lr=SETTINGS["lr"], batch_size=SETTINGS["batch_size"], val=sets["val"],
                                  eval_every=SETTINGS["eval_every"], target=SETTINGS["target"], rng=seed,
                                  progress=False)
    acc = {name: lu.train.evaluate(cell, params, *sets[name], "classification")[1] for name in ("near", "far")}
    reached = [s for s, v in zip(hist["eval_step"], hist["val_metric"], strict=True) if v >= 0.9]
    summary = {"cell": cell, "train_set": set_name, "seed": seed, "steps": int(hist["steps"]),
               "steps_to_90": int(reached[0]) if reached else None,
               "stopped_early": bool(hist["stopped_early"]), "near": acc["near"], "far": acc["far"],
               "seconds": round(hist["seconds"], 2)}
    if cell == "lstm":
        summary["claims"] = lu.reading.reading_claims(lu.reading.read_text(params, lu.data.ARTICLE_REVIEW))
    return job, {k: np.asarray(v) for k, v in params.items()}, summary


def main(argv=None):
    import numpy as np
    import threadpoolctl

    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--jobs", type=int, default=2)
    a = p.parse_args(argv)
    jobs = [("lstm", "mixed", s) for s in LSTM_SEEDS]
    jobs += [("rnn", set_name, s) for set_name in ("mixed", "short") for s in RNN_SEEDS]
    start = time.perf_counter()
    with ProcessPoolExecutor(a.jobs) as pool:
        results = list(pool.map(train_one, jobs))
    seconds = time.perf_counter() - start
    OUT.mkdir(parents=True, exist_ok=True)
    summaries = []
    for (cell, set_name, seed), params, summary in results:
        summaries.append(summary)
        if seed == 0 and (cell, set_name) != ("lstm", "short"):
            suffix = "" if set_name == "mixed" else f"_{set_name}"
            np.savez_compressed(OUT / f"review_{cell}{suffix}.npz", **params)
        print(f"{cell:4s} {set_name:5s} seed {seed}: near {summary['near']:.3f} far {summary['far']:.3f} "
              f"({summary['steps']} steps)", flush=True)
    blas = [{k: i.get(k) for k in ("internal_api", "version", "architecture")}
            for i in threadpoolctl.threadpool_info()]
    meta = {"written_by": "scripts/train_review_models.py", "settings": SETTINGS,
            "shipped": {"review_lstm.npz": "LSTM, mixed set, seed 0", "review_rnn.npz": "RNN, mixed set, seed 0",
                        "review_rnn_short.npz": "RNN, short reviews only, seed 0"},
            "data": "lstm_utils.data.review_sets()", "seconds": round(seconds, 1),
            "python": platform.python_version(), "numpy": np.__version__, "blas": blas, "runs": summaries}
    (OUT / "review_models.json").write_text(json.dumps(meta, indent=1) + "\n")
    print(f"{len(jobs)} models in {seconds:.0f} s; wrote {OUT.relative_to(ROOT)}/review_*.npz, review_models.json")
    return 0


if __name__ == "__main__":
    sys.exit(main())
