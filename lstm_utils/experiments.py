r"""Chapter 08's experiments: long-time-lag tasks, models with named starts, one seeded run, the sweep's statistics.

A *configuration* is a task, a model, a length ``T`` and a seed; :func:`run` trains it with
:func:`lstm_utils.train.train` and returns one record. ``scripts/run_experiments.py`` runs the sweep (every
configuration, many seeds) and stores the records with the package (:func:`load_results`); the chapters read them
and re-run single configurations live.

Definitions, used everywhere in the book:

* a **sequence is solved** when the answer is right: for the adding problem :math:`|\hat y - y| < 0.04`
  (Hochreiter & Schmidhuber 1997), for the temporal-order problem the largest logit names its class;
* a **run is solved** when its trained model solves at least 95 % of a held-out test set of 2,000 sequences
  (binomial standard error below 0.005 at 95 %), which neither training nor early stopping has seen;
* training stops early once a separate validation set of 1,000 sequences is 97 % solved (a margin above 95 %, so
  that a run stopped there is solved on the test set too), else after the budget of :data:`SETTINGS`.

Whether a given seed solves a given configuration is a chaotic function of the rounding in the matrix products and
changes from one CPU to another; the book's claims are about the fraction of seeds that solve a configuration, with
a Wilson interval (:func:`wilson_interval`), never about one seed.

Introduced in chapter 08 (``notebooks/08_long_range_memory.ipynb``).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from importlib import resources
from typing import NamedTuple

import numpy as np

from ._validate import ArgumentTypeError, integer, number, seed as check_seed
from .data import adding_problem, temporal_order
from .models import init_model, model_forward, softmax
from .train import evaluate, train


class Task(NamedTuple):
    """A long-time-lag task: how to draw it, how to score it, and what the 1997 paper reported on it."""

    make: Callable            # make(n, T, rng, dtype) -> (xs, ys)
    kind: str                 # "regression" or "classification"
    n_outputs: int
    chance: float             # what an answer that ignores the inputs scores
    first_relevant: Callable  # first_relevant(xs) -> (B,) index of the earliest step the answer depends on
    paper: str                # the 1997 paper's setting and results, for the chapter to cite


def _first_marked(xs):
    return np.argmax(xs[:, :, 1] > 0, axis=0)              # the marker channel of the adding problem


def _first_symbol(xs):
    return np.argmax(xs[:, :, 4:6].sum(axis=2) > 0, axis=0)  # the first X or Y of the temporal-order problem


TASKS = {
    "adding": Task(lambda n, T, rng, dtype: adding_problem(n, T, rng=rng, dtype=dtype),
                   "regression", 1, 0.1536, _first_marked,
                   "Hochreiter & Schmidhuber (1997), experiment 4: lengths T to 1.1 T, markers -1 at the ends; "
                   "stopped when the training error was below 0.01 and the last 2,000 sequences were all solved; "
                   "on average 74,000 training sequences at T = 100, 209,000 at T = 500, 853,000 at T = 1000."),
    "temporal": Task(lambda n, T, rng, dtype: temporal_order(n, T, rng=rng, dtype=dtype),
                     "classification", 4, 0.25, _first_symbol,
                     "Hochreiter & Schmidhuber (1997), experiment 6a: lengths 100 to 110, X or Y at steps 10-20 "
                     "and 50-60; a sequence correct when every output is within 0.3 of its target; on average "
                     "31,390 training sequences."),
}
"""The two tasks of chapter 08's sweep. Chance: predicting 0.5 solves :math:`P(|X_1 + X_2| < 0.16) = 0.1536` of the
adding problem (the sum of two uniforms has a triangular density); guessing one of 4 classes, 1/4."""


class Model(NamedTuple):
    """A cell and its start: the registered cell name and the keywords of its ``init``."""

    cell: str
    init: dict
    label: str


MODELS = {
    "rnn": Model("rnn", {}, "RNN"),
    "rnn_identity": Model("rnn", {"recurrent": "identity"}, "RNN, identity start"),
    "lstm_bf1": Model("lstm", {"forget_bias": 1.0}, "LSTM, b_f = 1"),
    "lstm_bf3": Model("lstm", {"forget_bias": 3.0}, "LSTM, b_f = 3"),
    "lstm_bf3_bi3": Model("lstm", {"forget_bias": 3.0, "input_bias": -3.0}, "LSTM, b_f = 3, b_i = -3"),
    "gru": Model("gru", {}, "GRU, b_z = 0"),
    "gru_bz3": Model("gru", {"update_bias": -3.0}, "GRU, b_z = -3"),
}
"""The models of the sweep: what each cell is given at the start.

``rnn``: the course's default, every weight from N(0, 1/(H + D)) (largest singular value of the recurrent block
about 1.7 at H = 32); ``rnn_identity``: the same with the recurrent block set to the identity (Le, Jaitly & Hinton
2015, who used ReLU units; ours keep tanh); ``lstm_bf1``, ``lstm_bf3``: forget-gate bias 1 (the common default) or 3;
``lstm_bf3_bi3``: forget-gate bias 3 and input-gate bias -3, an input gate that starts nearly closed (chapter 10);
``gru``, ``gru_bz3``: update-gate bias 0 or -3 (in the course's convention, where z weights the *new* candidate)."""

SETTINGS = {"hidden_size": 32, "lr": 3e-3, "batch_size": 32, "steps": 3000, "eval_every": 50, "clip": 1.0,
            "n_val": 1000, "n_test": 2000, "stop_at": 0.97, "solved_at": 0.95, "tol": 0.04, "dtype": "float32"}
"""One budget for every task, model and length: the same hidden size, optimiser, batch and number of steps.

Training runs in float32, as deep-learning libraries do by default: it halves the time of a step, and the course's
claims about training are statistics over seeds, which rounding moves less than it moves a single run. Gradient
checks stay in float64."""


def check_settings(cfg):
    """The settings of a run (:data:`SETTINGS` with any overrides), each checked by name; returns ``cfg``."""
    for k in ("hidden_size", "batch_size", "steps", "eval_every", "n_val", "n_test"):
        integer(k, cfg[k], minimum=1)
    number("lr", cfg["lr"], low=0.0, low_open=True)
    number("clip", cfg["clip"], low=0.0, low_open=True)
    number("tol", cfg["tol"], low=0.0, low_open=True)
    for k in ("stop_at", "solved_at"):
        number(k, cfg[k], low=0.0, high=1.0)
    if cfg["dtype"] not in ("float32", "float64"):
        raise ValueError(f"dtype: expected 'float32' or 'float64', got {cfg['dtype']!r}")
    return cfg


def _seeds(seed, T):
    """Independent random streams for the model, the validation set, the batches and the test set of one run."""
    streams = np.random.SeedSequence([int(seed), int(T)]).spawn(4)
    return [np.random.default_rng(s) for s in streams]


def gradient_probe(task):
    r"""``probe(xs, dxs)``: median over the batch of
    :math:`\|\partial L/\partial x_{t_1}\| / \|\partial L/\partial x_T\|`.

    :math:`t_1` is the earliest step the answer depends on (the first marked value, the first X or Y): the ratio is
    the fraction of the error signal at the last step that reaches it.
    """
    first = TASKS[task].first_relevant

    def probe(xs, dxs):
        t1 = first(xs)
        cols = np.arange(xs.shape[1])
        dxs = np.asarray(dxs, dtype=np.float64)            # float32 training: no underflow in the ratio
        at_first = np.linalg.norm(dxs[t1, cols], axis=1)
        at_last = np.linalg.norm(dxs[-1], axis=1)
        # a saturated network can send exactly zero gradient to the last step too: count that as nothing reaching
        return float(np.median(at_first / np.maximum(at_last, np.finfo(np.float64).tiny)))
    return probe


def _paper_fraction(task, params, cell, xs, ys):
    """Fraction of sequences that meet the 1997 paper's per-sequence criterion, and the mean squared error."""
    out = model_forward(cell, params, xs)[0]
    if TASKS[task].kind == "regression":
        return float(np.mean(np.abs(out[:, 0] - ys) < 0.04)), float(np.mean((out[:, 0] - ys) ** 2))
    p = softmax(out)
    target = np.eye(p.shape[1])[ys]
    return float(np.mean(np.all(np.abs(p - target) < 0.3, axis=1))), float(np.mean((p - target) ** 2))


def run(task, model, T, seed, *, progress=False, keep=False, **overrides):
    """Train ``model`` (a key of :data:`MODELS`) on ``task`` (a key of :data:`TASKS`) at length ``T``; one record.

    Every random number comes from ``(seed, T)``: the initial weights, the validation, training and test sequences.
    ``overrides`` replace any of :data:`SETTINGS` (a shorter budget for an exercise, say).

    The record: ``task, model, cell, init, T, seed``; ``solved`` (test score >= ``solved_at``); ``score`` (fraction of
    the test set solved); ``steps`` (updates made) and ``sequences`` (training sequences seen, ``steps *
    batch_size``); ``stopped_early`` (the validation set reached ``stop_at``); ``paper_fraction`` and
    ``paper_solved`` (the 1997 criterion per sequence, and whether every test sequence meets it with a mean squared
    error below 0.01 for the adding problem, 0.1 for the temporal order); ``grad_init`` (:func:`gradient_probe` on
    the first batch, at the initial weights), ``grad_start`` and ``grad_end`` (its median over the first and the
    last 50 training steps); ``seconds``. With
    ``keep=True`` also the ``history`` and the trained ``params``.
    """
    if task not in TASKS:
        raise ValueError(f"task: expected one of {', '.join(map(repr, TASKS))}, got {task!r}")
    if model not in MODELS:
        raise ValueError(f"model: expected one of {', '.join(map(repr, MODELS))}, got {model!r}")
    unknown = set(overrides) - set(SETTINGS)
    if unknown:
        raise ValueError(f"overrides: unknown setting(s) {', '.join(sorted(unknown))}; "
                         f"expected keys of SETTINGS ({', '.join(SETTINGS)})")
    T = integer("T", T, minimum=4)
    check_seed("seed", seed)
    if seed is None or isinstance(seed, np.random.Generator):
        raise ArgumentTypeError(f"seed: expected a non-negative integer (every random number of the run comes "
                                f"from (seed, T)), got {seed!r}")
    cfg = check_settings({**SETTINGS, **overrides})
    spec, m = TASKS[task], MODELS[model]
    rng_model, rng_val, rng_batches, rng_test = _seeds(seed, T)
    dtype = np.dtype(cfg["dtype"])
    gen = lambda n, rng: spec.make(n, T, rng, dtype)                     # noqa: E731
    val = gen(cfg["n_val"], rng_val)
    params = init_model(m.cell, val[0].shape[2], cfg["hidden_size"], spec.n_outputs, rng=rng_model, dtype=dtype,
                        **m.init)
    params, hist = train(m.cell, params, gen, task=spec.kind, steps=cfg["steps"], lr=cfg["lr"],
                         batch_size=cfg["batch_size"], clip=cfg["clip"], val=val, eval_every=cfg["eval_every"],
                         target=cfg["stop_at"], tol=cfg["tol"], rng=rng_batches, progress=progress,
                         desc=f"{m.label}, {task}, T = {T}", probe=gradient_probe(task))
    test = gen(cfg["n_test"], rng_test)
    _, score = evaluate(m.cell, params, *test, spec.kind, tol=cfg["tol"])
    paper_fraction, paper_mse = _paper_fraction(task, params, m.cell, *test)
    probe = np.array(hist["probe"])
    record = {"task": task, "model": model, "cell": m.cell, "init": dict(m.init), "T": int(T), "seed": int(seed),
              "solved": bool(score >= cfg["solved_at"]), "score": float(score), "steps": int(hist["steps"]),
              "sequences": int(hist["steps"] * cfg["batch_size"]), "stopped_early": bool(hist["stopped_early"]),
              "paper_fraction": paper_fraction,
              "paper_solved": bool(paper_fraction == 1.0 and paper_mse < (0.01 if spec.kind == "regression"
                                                                          else 0.1)),
              "grad_init": float(probe[0]), "grad_start": float(np.median(probe[:50])),
              "grad_end": float(np.median(probe[-50:])),
              "seconds": round(float(hist["seconds"]), 2)}
    if keep:
        record["history"], record["params"] = hist, params
    return record


# ---------------------------------------------------------------------------------------------------------------
# Statistics over seeds
# ---------------------------------------------------------------------------------------------------------------

def wilson_interval(k, n, z=1.96):
    r"""The Wilson score interval for a success rate: ``k`` successes in ``n`` trials, ``(low, high)``.

    .. math:: \frac{\hat p + \frac{z^2}{2n} \pm z \sqrt{\frac{\hat p (1 - \hat p)}{n} + \frac{z^2}{4n^2}}}
                   {1 + \frac{z^2}{n}}, \qquad \hat p = k / n

    At ``z = 1.96`` a 95 % interval (Wilson 1927). Unlike :math:`\hat p \pm z \sqrt{\hat p(1 - \hat p)/n}` it stays
    inside [0, 1] and does not shrink to a point when ``k`` is 0 or ``n``: 0 of 10 gives (0, 0.28).
    """
    n = integer("n", n, minimum=1)
    k = integer("k", k, minimum=0, maximum=n)
    z = number("z", z, low=0.0, low_open=True)
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return float(max(0.0, centre - half)), float(min(1.0, centre + half))


def summarize(records, task, model, T, seeds=None):
    """The runs of one configuration over seeds: a dict of counts, the success rate and its Wilson interval,
    the quartiles of the sequences the solved runs needed, and the gradient probe of every seed.

    ``seeds``: only the runs with these seeds (default: all of the configuration's runs)."""
    if not isinstance(records, (list, tuple)) or not all(isinstance(r, dict) for r in records):
        raise ArgumentTypeError(f"records: expected a list of run records (dicts, e.g. load_results()), got "
                                f"{type(records).__name__}")
    rs = [r for r in records if (r["task"], r["model"], r["T"]) == (task, model, T)
          and (seeds is None or r["seed"] in seeds)]
    if not rs:
        raise ValueError(f"records: no runs of task {task!r}, model {model!r}, T = {T}")
    k, n = sum(r["solved"] for r in rs), len(rs)
    need = np.array([r["sequences"] for r in rs if r["solved"]])
    q = np.percentile(need, [25, 50, 75]) if len(need) else np.full(3, np.nan)
    return {"n": n, "solved": k, "rate": k / n, "interval": wilson_interval(k, n),
            "paper_solved": sum(r["paper_solved"] for r in rs),
            "sequences_q1": float(q[0]), "sequences_median": float(q[1]), "sequences_q3": float(q[2]),
            "score_median": float(np.median([r["score"] for r in rs])),
            "grad_init": np.array([r["grad_init"] for r in rs]),
            "grad_start": np.array([r["grad_start"] for r in rs]),
            "grad_end": np.array([r["grad_end"] for r in rs]),
            "solved_mask": np.array([r["solved"] for r in rs]), "steps": np.array([r["steps"] for r in rs])}


RESULTS = "long_range_runs.jsonl"
"""The sweep's records, one JSON object per line, shipped in ``lstm_utils/results/``."""


def load_results(name=RESULTS):
    """The records of the sweep stored with the package (written by ``scripts/run_experiments.py``)."""
    text = resources.files("lstm_utils").joinpath("results", name).read_text()
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def load_sweep_settings(name=RESULTS):
    """What ``scripts/run_experiments.py`` recorded beside the runs: the settings, models, sweep and machine."""
    stem = name.rsplit(".", 1)[0]
    text = resources.files("lstm_utils").joinpath("results", f"{stem}.settings.json").read_text()
    return json.loads(text)
