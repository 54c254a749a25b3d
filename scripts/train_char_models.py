"""Chapter 11's models: RNN, LSTM and GRU character models of matched size on Python source, 5 seeds each.

Usage (from the repository root; `make char-models` runs it, about 15 minutes on 2 free cores):

    .venv/bin/python scripts/train_char_models.py [--jobs 2] [--seeds 5]

Every model reads the training split of :mod:`lstm_utils.corpus` by truncated BPTT
(:func:`lstm_utils.charlm.train_charlm`) with the settings below. The weights are then rounded to float32, which is
how they ship, and everything below is measured on those rounded weights in float64, so that the chapter, reading
a shipped model, finds the same numbers to round-off.

Writes to ``lstm_utils/results/``:

* ``char_rnn.npz``, ``char_lstm.npz``, ``char_gru.npz``: seed 0's weights (float32);
* ``char_models.json``: the settings, the parameter counts, and per cell and seed: bits per character on the
  validation and test text; for every labelled property the unit that tracks it best (chosen on the validation
  text, scored on the test text) for the trained model and two baselines (the same model at initialisation; the
  trained model against labels shifted by half the text); a linear probe's score; the connectivity profile on
  closing brackets and quotes and the distance at which it fades; the balance of generated text at three
  temperatures; and seed 0's samples.
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

SETTINGS = {"lstm_hidden": 64, "steps": 2500, "batch_size": 32, "seq_len": 64, "lr": 3e-3, "clip": 1.0,
            "forget_bias": 1.0, "eval_every": 500, "val_chars_during_training": 20000,
            "select_chars": 60000, "window": 100, "temperatures": [0.5, 1.0, 1.5], "samples": 32,
            "sample_chars": 500, "sample_prime": "\n", "shipped_dtype": "float32"}


def sizes():
    import lstm_utils as lu
    from lstm_utils import charlm

    n = lu.parameter_count(charlm.init_charlm("lstm", SETTINGS["lstm_hidden"], rng=0))
    return {cell: charlm.matched_hidden_size(cell, n) for cell in charlm.CHAR_CELLS}


def analyse(cell, params, seed, init_params=None):
    """Every statistic of one model (weights as shipped); see the module docstring."""
    import numpy as np

    from lstm_utils import charlm, corpus

    S = SETTINGS
    val_ids, test_ids = corpus.encode(corpus.load_text("val")), corpus.encode(corpus.load_text("test"))
    Lv, Lt = corpus.load_labels("val"), corpus.load_labels("test")
    out = {"val_bpc": charlm.bits_per_char(cell, params, val_ids),
           "test_bpc": charlm.bits_per_char(cell, params, test_ids)}
    n_sel = S["select_chars"]
    sel = charlm.run_states(cell, params, val_ids[:n_sel], batch_size=64)
    sco = charlm.run_states(cell, params, test_ids, batch_size=64)
    Nsel, Nsco = len(sel["ids"]), len(sco["ids"])
    lab_sel = {k: v[:Nsel] for k, v in Lv.items()}
    lab_sco = {k: v[:Nsco] for k, v in Lt.items()}
    out["units"] = charlm.best_units(sel["c"], lab_sel, sco["c"], lab_sco)
    out["probe"] = charlm.probe_scores(sel["c"], lab_sel, sco["c"], lab_sco)
    shifted_sel = {k: np.roll(v, Nsel // 2) for k, v in lab_sel.items()}
    shifted_sco = {k: np.roll(v, Nsco // 2) for k, v in lab_sco.items()}
    out["units_shifted"] = charlm.best_units(sel["c"], shifted_sel, sco["c"], shifted_sco)
    if init_params is not None:
        isel = charlm.run_states(cell, init_params, val_ids[:n_sel], batch_size=64)
        isco = charlm.run_states(cell, init_params, test_ids, batch_size=64)
        out["units_untrained"] = charlm.best_units(isel["c"], lab_sel, isco["c"], lab_sco)
        out["untrained_test_bpc"] = charlm.bits_per_char(cell, init_params, test_ids)
    conn = {}
    for kind in ("bracket", "quote"):
        wins, dists = charlm.closing_cases(test_ids, Lt, kind, window=S["window"])
        g = charlm.input_gradients(cell, params, wins)           # (W, B): row W - 1 is distance 0
        rel = g[::-1] / g[-1]                                     # (W, B): distance d on row d
        profile = np.median(rel, axis=1)
        below = np.flatnonzero(profile < 1e-2)
        opener = rel[dists, np.arange(len(dists))]
        bins = [(1, 4), (5, 9), (10, 19), (20, 39), (40, 99)]
        conn[kind] = {"cases": int(len(dists)), "median_profile": [float(f"{v:.4g}") for v in profile],
                      "fade_distance": int(below[0]) if below.size else None,
                      "opener_median": {f"{a}-{b}": (float(np.median(opener[(dists >= a) & (dists <= b)]))
                                                     if ((dists >= a) & (dists <= b)).any() else None)
                                        for a, b in bins},
                      "opener_count": {f"{a}-{b}": int(((dists >= a) & (dists <= b)).sum()) for a, b in bins}}
    out["connectivity"] = conn
    gen = {}
    for tau in S["temperatures"]:
        texts = charlm.sample(cell, params, S["sample_chars"], temperature=tau, prime=S["sample_prime"],
                              num_samples=S["samples"], rng=1000 + seed)
        st = corpus.balance_stats("\n".join(texts))
        gen[str(tau)] = {k: st[k] for k in ("quotes", "quotes_closed", "closers", "closers_matched")}
        gen[str(tau)].update(quote_rate=st["quote_rate"], bracket_rate=st["bracket_rate"])
        if seed == 0:
            gen[str(tau)]["samples"] = texts[:4]
    out["generated"] = gen
    return out


def train_one(job):
    import numpy as np

    from lstm_utils import charlm, corpus

    cell, seed, H = job
    S = SETTINGS
    ids = corpus.encode(corpus.load_text("train"))
    val = corpus.encode(corpus.load_text("val"))[:S["val_chars_during_training"]]
    params = charlm.init_charlm(cell, H, rng=seed, forget_bias=S["forget_bias"])
    init = {k: v.astype(np.float32).astype(np.float64) for k, v in params.items()}
    params, hist = charlm.train_charlm(cell, params, ids, steps=S["steps"], batch_size=S["batch_size"],
                                       seq_len=S["seq_len"], lr=S["lr"], clip=S["clip"], rng=seed, val_ids=val,
                                       eval_every=S["eval_every"])
    shipped = {k: v.astype(np.float32) for k, v in params.items()}
    t0 = time.perf_counter()
    stats = analyse(cell, {k: v.astype(np.float64) for k, v in shipped.items()}, seed, init)
    summary = {"cell": cell, "seed": seed, "hidden_size": H, "train_seconds": round(hist["seconds"], 1),
               "analysis_seconds": round(time.perf_counter() - t0, 1),
               "val_curve": {"step": hist["val_step"], "bpc": [round(v, 4) for v in hist["val_bpc"]]},
               "final_train_bpc": float(np.mean(hist["loss"][-100:])), **stats}
    print(f"{cell:4s} seed {seed}: test {stats['test_bpc']:.3f} bpc ({hist['seconds']:.0f} s)", flush=True)
    return job, shipped, summary


def main(argv=None):
    import numpy as np
    import threadpoolctl

    import lstm_utils as lu
    from lstm_utils import charlm, corpus

    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--jobs", type=int, default=2)
    p.add_argument("--seeds", type=int, default=5)
    a = p.parse_args(argv)
    H = sizes()
    jobs = [(cell, s, H[cell]) for s in range(a.seeds) for cell in ("lstm", "gru", "rnn")]
    start = time.perf_counter()
    with ProcessPoolExecutor(a.jobs) as pool:
        results = list(pool.map(train_one, jobs))
    seconds = time.perf_counter() - start
    runs = []
    for (cell, seed, _), params, summary in results:
        runs.append(summary)
        if seed == 0:
            np.savez_compressed(OUT / f"char_{cell}.npz", **params)
    train_ids = corpus.encode(corpus.load_text("train"))
    blas = [{k: i.get(k) for k in ("internal_api", "version", "architecture")}
            for i in threadpoolctl.threadpool_info()]
    meta = {"written_by": "scripts/train_char_models.py", "settings": SETTINGS, "hidden_size": H,
            "parameters": {c: lu.parameter_count(charlm.init_charlm(c, H[c], rng=0)) for c in H},
            "shipped": {f"char_{c}.npz": f"{c.upper()}, seed 0, float32" for c in H},
            "unigram_test_bpc": charlm.unigram_bits(train_ids, corpus.encode(corpus.load_text("test"))),
            "corpus": "lstm_utils.corpus (python_stdlib)", "seconds": round(seconds, 1),
            "python": platform.python_version(), "numpy": np.__version__, "blas": blas, "runs": runs}
    (OUT / "char_models.json").write_text(json.dumps(meta, indent=1) + "\n")
    print(f"{len(jobs)} models in {seconds:.0f} s; wrote {OUT.relative_to(ROOT)}/char_*.npz, char_models.json")
    return 0


if __name__ == "__main__":
    sys.exit(main())
