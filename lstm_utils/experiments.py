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

from ._checks import ArgumentTypeError, integer, number, seed as check_seed
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
    """A cell and its start: the registered cell name, the keywords of its ``init``, a label, and optionally its
    own hidden size (the matched-size RNN) and per-unit input-gate biases (the 1997 paper's kind of start)."""

    cell: str
    init: dict
    label: str
    hidden_size: int | None = None          # None: SETTINGS["hidden_size"]
    input_bias_spread: tuple = ()           # LSTM: b_i set unit by unit, these values in equal blocks
    candidate_scale: float = 1.0            # LSTM: the candidate's weights W_C scaled by this after the draw


MODELS = {
    "rnn": Model("rnn", {}, "RNN"),
    "rnn_identity": Model("rnn", {"recurrent": "identity"}, "RNN, identity start"),
    "lstm_bf1": Model("lstm", {"forget_bias": 1.0}, "LSTM, b_f = 1"),
    "lstm_bf3": Model("lstm", {"forget_bias": 3.0}, "LSTM, b_f = 3"),
    "lstm_bf3_bi3": Model("lstm", {"forget_bias": 3.0, "input_bias": -3.0}, "LSTM, b_f = 3, b_i = -3"),
    "lstm_bf3_bispread": Model("lstm", {"forget_bias": 3.0}, "LSTM, b_f = 3, b_i = -3 | -6",
                               input_bias_spread=(-3.0, -6.0)),
    "lstm_bf3_smallc": Model("lstm", {"forget_bias": 3.0}, "LSTM, b_f = 3, W_C / 10", candidate_scale=0.1),
    "rnn_h66": Model("rnn", {}, "RNN, H = 66 (the LSTM's size)", hidden_size=66),
    "gru": Model("gru", {}, "GRU, b_z = 0"),
    "gru_bz3": Model("gru", {"update_bias": -3.0}, "GRU, b_z = -3"),
}
"""The models of the sweep: what each cell is given at the start.

``rnn``: the course's default, every weight from N(0, 1/(H + D)) (largest singular value of the recurrent block
about 1.7 at H = 32); ``rnn_identity``: the same with the recurrent block set to the identity (Le, Jaitly & Hinton
2015, who used ReLU units; ours keep tanh); ``lstm_bf1``, ``lstm_bf3``: forget-gate bias 1 (the common default) or 3;
``lstm_bf3_bi3``: forget-gate bias 3 and input-gate bias -3, an input gate that starts nearly closed (chapter 10);
``lstm_bf3_bispread``: b_f = 3 and input-gate biases that differ between units, -3 on the first half and -6 on
the second (the 1997 paper's memory blocks had input-gate biases of -1, -2, ... growing more negative block by
block, so that different cells start writing at different times); ``lstm_bf3_smallc``: chapter 08's
intervention, ``lstm_bf3`` with the candidate's weights divided by 10 (the same draws, then scaled): the input gate
stays half open, but what it writes is ten times smaller, so the cell stays small; ``rnn_h66``: the default RNN
with 66 units, about as many parameters as the H = 32 LSTM (readout included, 4,621 against 4,513 on the adding
problem, 5,218 against 5,380 on the temporal order); ``gru``, ``gru_bz3``: update-gate bias 0 or -3 (in the
course's convention, where z weights the *new* candidate)."""

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


def start_model(model, input_size, cfg, rng):
    """The initial parameters of ``model`` (a key of :data:`MODELS`) for a task with ``input_size`` inputs."""
    m = MODELS[model]
    H = m.hidden_size or cfg["hidden_size"]
    K = cfg["n_outputs"]
    params = init_model(m.cell, input_size, H, K, rng=rng, dtype=np.dtype(cfg["dtype"]), **m.init)
    if m.candidate_scale != 1.0:
        params["W_c"] *= params["W_c"].dtype.type(m.candidate_scale)
    if m.input_bias_spread:
        blocks = np.array_split(np.arange(H), len(m.input_bias_spread))
        for b, idx in zip(m.input_bias_spread, blocks, strict=True):
            params["b_i"][idx] = b
    return params


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
    cfg = _config(task, model, T, overrides)
    _check_run_seed(seed)
    spec, m = TASKS[task], MODELS[model]
    rng_model, rng_val, rng_batches, rng_test = _seeds(seed, T)
    dtype = np.dtype(cfg["dtype"])
    gen = lambda n, rng: spec.make(n, T, rng, dtype)                     # noqa: E731
    val = gen(cfg["n_val"], rng_val)
    params = start_model(model, val[0].shape[2], cfg, rng_model)
    params, hist = train(m.cell, params, gen, task=spec.kind, steps=cfg["steps"], lr=cfg["lr"],
                         batch_size=cfg["batch_size"], clip=cfg["clip"], val=val, eval_every=cfg["eval_every"],
                         target=cfg["stop_at"], tol=cfg["tol"], rng=rng_batches, progress=progress,
                         desc=f"{m.label}, {task}, T = {T}", probe=gradient_probe(task))
    test = gen(cfg["n_test"], rng_test)
    record = _record(task, model, T, seed, cfg, params, hist, test)
    if keep:
        record["history"], record["params"] = hist, params
    return record


def _record(task, model, T, seed, cfg, params, hist, test):
    """One run's record (see :func:`run`) from its trained parameters, history and test set."""
    spec, m = TASKS[task], MODELS[model]
    _, score = evaluate(m.cell, params, *test, spec.kind, tol=cfg["tol"])
    paper_fraction, paper_mse = _paper_fraction(task, params, m.cell, *test)
    probe = np.array(hist["probe"])
    record = {"task": task, "model": model, "cell": m.cell, "init": dict(m.init), "T": int(T), "seed": int(seed),
              "lr": float(cfg["lr"]), "budget": int(cfg["steps"]),
              "hidden_size": int(m.hidden_size or cfg["hidden_size"]),
              "solved": bool(score >= cfg["solved_at"]), "score": float(score), "steps": int(hist["steps"]),
              "sequences": int(hist["steps"] * cfg["batch_size"]), "stopped_early": bool(hist["stopped_early"]),
              "paper_fraction": paper_fraction,
              "paper_solved": bool(paper_fraction == 1.0 and paper_mse < (0.01 if spec.kind == "regression"
                                                                          else 0.1)),
              "grad_init": float(probe[0]), "grad_start": float(np.median(probe[:50])),
              "grad_end": float(np.median(probe[-50:])),
              "probe_at": {str(k): float(np.median(probe[max(0, k - 10):k])) for k in PROBE_AT if k <= len(probe)},
              "val_metric_at": {str(k): v for k, v in zip(hist["eval_step"], hist["val_metric"], strict=True)
                                if k in PROBE_AT or k == hist["steps"]},
              "seconds": round(float(hist["seconds"]), 2)}
    if hist.get("monitor"):
        record["mechanism"] = hist["monitor"]
    return record


PROBE_AT = (10, 50, 100, 200, 500, 1000, 2000, 3000, 5000, 9000, 13000, 20000, 26700)
"""Steps at which a record keeps the gradient probe (the median over the 10 steps before) and the validation
score: how the path to the evidence opens or closes as training goes on."""

MECHANISM_AT = (0, 10, 25, 50, 100, 200, 500, 1000, 3000, 9000)
"""Steps at which :func:`run_stack` measures the mechanism (:class:`Mechanism`) on a fixed diagnostic batch."""


class Mechanism:
    r"""What carries (or blocks) the path from the evidence to the answer, measured on a fixed batch of 64 sequences
    (drawn from the run's own ``(seed, T)``, a stream no other part of the run uses), at given training steps.

    From :math:`t_1` (the first relevant step) to :math:`T`, medians over sequences and units:

    * LSTM: ``log10_direct`` = :math:`\\log_{10} \\prod_{k=t_1+1}^{T} f_k` (the cell-state path's gain),
      ``f_mean``, ``i_mean`` (the input gate at steps that carry no evidence), ``write`` (mean :math:`|i_k \tilde
      C_k|` at those steps: how much noise is written), ``c_abs`` (median :math:`|C_k|` over those steps),
      ``c_abs_T``, ``tanh_prime_T`` (:math:`1 - \tanh^2 C_T`), ``o_T``, and ``sat_f`` (fraction of forget gates
      above 0.99);
    * GRU: ``log10_direct`` = :math:`\\log_{10} \\prod (1 - z_k)`, ``z_mean``, ``r_mean``, ``h_abs``;
    * RNN: ``h_abs`` and ``saturated`` (fraction of :math:`|h| > 0.95`).
    """

    def __init__(self, task, model, T, seed, dtype="float32", n=64):
        self.task, self.cell = task, MODELS[model].cell
        rng = np.random.default_rng(np.random.SeedSequence([int(seed), int(T), 7]))
        self.xs, _ = TASKS[task].make(n, T, rng, np.dtype(dtype))
        self.t1 = TASKS[task].first_relevant(self.xs)

    def __call__(self, params):
        from .models import split_params
        cell_params, _ = split_params(params)
        xs, t1 = self.xs, self.t1
        T, B, _ = xs.shape
        after = np.arange(T)[:, None] > t1[None, :]                     # (T, B): steps after the first evidence
        quiet = after & (np.abs(xs).sum(axis=2) > 0)                     # ... that are not a marked step either
        quiet &= ~_marked(self.task, xs)
        out = {}
        if self.cell == "lstm":
            from .lstm import lstm_forward
            _, cs, c = lstm_forward(xs, None, None, cell_params)
            f, i, ct = (np.asarray(c[k], np.float64) for k in ("f", "i", "c_tilde"))
            logf = np.where(after[:, :, None], np.log10(np.maximum(f, 1e-300)), 0.0).sum(axis=0)
            cs64 = np.asarray(cs, np.float64)
            out = {"log10_direct": float(np.median(logf)), "f_mean": float(f[after].mean()),
                   "i_mean": float(i[quiet].mean()), "write": float(np.abs(i * ct)[quiet].mean()),
                   "c_abs": float(np.median(np.abs(cs64[quiet]))), "c_abs_T": float(np.median(np.abs(cs64[-1]))),
                   "tanh_prime_T": float(np.median(1.0 - np.tanh(cs64[-1]) ** 2)),
                   "o_T": float(np.median(np.asarray(c["o"][-1], np.float64))),
                   "sat_f": float(np.mean(f[after] > 0.99))}
        elif self.cell == "gru":
            from .gru import gru_forward
            hs, c = gru_forward(xs, None, cell_params)
            z, r = np.asarray(c["z"], np.float64), np.asarray(c["r"], np.float64)
            logk = np.where(after[:, :, None], np.log10(np.maximum(1.0 - z, 1e-300)), 0.0).sum(axis=0)
            out = {"log10_direct": float(np.median(logk)), "z_mean": float(z[quiet].mean()),
                   "r_mean": float(r[after].mean()), "h_abs": float(np.median(np.abs(np.asarray(hs, np.float64))))}
        else:
            from .rnn import rnn_forward
            hs, _ = rnn_forward(xs, None, cell_params)
            h = np.abs(np.asarray(hs, np.float64))
            out = {"h_abs": float(np.median(h)), "saturated": float(np.mean(h > 0.95))}
        return {k: round(v, 6) for k, v in out.items()}


def _marked(task, xs):
    """(T, B): the steps that carry evidence (a marker of the adding problem, an X or Y of the temporal order)."""
    if task == "adding":
        return xs[:, :, 1] > 0
    return xs[:, :, 4:6].sum(axis=2) > 0


class _Batches:
    """``draw()`` -> one training batch of a task from a generator: a picklable stand-in for a lambda, so that a
    stacked run can be saved mid-way and resumed."""

    def __init__(self, task, T, n, rng, dtype):
        self.task, self.T, self.n, self.rng, self.dtype = task, T, n, rng, np.dtype(dtype)

    def __call__(self):
        return TASKS[self.task].make(self.n, self.T, self.rng, self.dtype)


class _Probe:
    """:func:`gradient_probe` as a picklable object."""

    def __init__(self, task):
        self.task = task

    def __call__(self, xs, dxs):
        return gradient_probe(self.task)(xs, dxs)


def start_stack(task, model, T, seeds, *, mechanism=True, **overrides):
    """A :class:`lstm_utils.stacked.StackedRun` of ``model`` on ``task`` at length ``T`` for every seed in
    ``seeds``: the runs :func:`run` makes one by one (same weights, batches, validation and test sets), trained
    as one computation. Advance it with ``.advance()`` (it pickles, to be resumed), then :func:`finish_stack`."""
    from .stacked import StackedRun
    cfg = _config(task, model, T, overrides)
    spec = TASKS[task]
    dtype = np.dtype(cfg["dtype"])
    params, draws, vals = [], [], []
    for seed in seeds:
        _check_run_seed(seed)
        rng_model, rng_val, rng_batches, _ = _seeds(seed, T)
        val = spec.make(cfg["n_val"], T, rng_val, dtype)
        params.append(start_model(model, val[0].shape[2], cfg, rng_model))
        draws.append(_Batches(task, T, cfg["batch_size"], rng_batches, dtype))
        vals.append(val)
    monitors = [Mechanism(task, model, T, seed, cfg["dtype"]) for seed in seeds] if mechanism else None
    run_ = StackedRun(MODELS[model].cell, params, draws, task=spec.kind, steps=cfg["steps"], lr=cfg["lr"],
                      batch_size=cfg["batch_size"], clip=cfg["clip"], val=vals, eval_every=cfg["eval_every"],
                      target=cfg["stop_at"], tol=cfg["tol"], probe=_Probe(task), monitor=monitors,
                      monitor_at=MECHANISM_AT if mechanism else ())
    run_.config = {"task": task, "model": model, "T": int(T), "seeds": [int(s) for s in seeds], "cfg": cfg}
    return run_


def finish_stack(run_):
    """The records of a finished stacked run, one per seed, as :func:`run` returns them."""
    c = run_.config
    task, model, T, cfg = c["task"], c["model"], c["T"], c["cfg"]
    records = []
    for seed, (params, hist) in zip(c["seeds"], run_.result(), strict=True):
        _, _, _, rng_test = _seeds(seed, T)
        test = TASKS[task].make(cfg["n_test"], T, rng_test, np.dtype(cfg["dtype"]))
        records.append(_record(task, model, T, seed, cfg, params, hist, test))
    return records


def run_stack(task, model, T, seeds, **overrides):
    """:func:`run` for many seeds at once (:mod:`lstm_utils.stacked`); a list of records, one per seed."""
    return finish_stack(start_stack(task, model, T, seeds, **overrides).advance())


def _check_run_seed(seed):
    check_seed("seed", seed)
    if seed is None or isinstance(seed, np.random.Generator):
        raise ArgumentTypeError(f"seed: expected a non-negative integer (every random number of the run comes "
                                f"from (seed, T)), got {seed!r}")


def _config(task, model, T, overrides):
    if not isinstance(task, str) or task not in TASKS:
        raise ValueError(f"task: expected one of {', '.join(map(repr, TASKS))}, got {task!r}")
    if not isinstance(model, str) or model not in MODELS:
        raise ValueError(f"model: expected one of {', '.join(map(repr, MODELS))}, got {model!r}")
    unknown = set(overrides) - set(SETTINGS)
    if unknown:
        raise ValueError(f"overrides: unknown setting(s) {', '.join(sorted(unknown))}; "
                         f"expected keys of SETTINGS ({', '.join(SETTINGS)})")
    integer("T", T, minimum=4)
    cfg = check_settings({**SETTINGS, **overrides})
    cfg["n_outputs"] = TASKS[task].n_outputs
    return cfg


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


def fisher_exact(k1, n1, k2, n2):
    r"""Two-sided p-value of Fisher's exact test that two success rates, ``k1`` of ``n1`` and ``k2`` of ``n2``,
    are the same.

    With the margins fixed, the number of successes in the first group is hypergeometric,
    :math:`P(k) = \binom{n_1}{k}\binom{n_2}{K - k} / \binom{n_1 + n_2}{K}` with :math:`K = k_1 + k_2`; the
    p-value sums :math:`P(k)` over every table at most as likely as the one observed (Fisher 1935). 0 of 10
    against 9 of 10 gives 1.1e-4; 7 of 10 against 10 of 10, 0.21.
    """
    from math import comb
    n1 = integer("n1", n1, minimum=1)
    n2 = integer("n2", n2, minimum=1)
    k1 = integer("k1", k1, minimum=0, maximum=n1)
    k2 = integer("k2", k2, minimum=0, maximum=n2)
    K, N = k1 + k2, n1 + n2
    total = comb(N, K)
    p = [comb(n1, k) * comb(n2, K - k) / total for k in range(max(0, K - n2), min(K, n1) + 1)]
    observed = comb(n1, k1) * comb(n2, k2) / total
    return float(min(1.0, sum(q for q in p if q <= observed * (1 + 1e-9))))


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
            "scores": np.array([r["score"] for r in rs]),
            "grad_init": np.array([r["grad_init"] for r in rs]),
            "grad_start": np.array([r["grad_start"] for r in rs]),
            "grad_end": np.array([r["grad_end"] for r in rs]),
            "solved_mask": np.array([r["solved"] for r in rs]), "steps": np.array([r["steps"] for r in rs])}


SWEEP = "long_range_sweep.jsonl"
"""The sweep chapters 08 and 10 read, one JSON object per line, shipped in ``lstm_utils/results/``: made by today's
training code (``scripts/run_experiments.py main``), every model at its chosen learning rate, ten fresh seeds, with
the mechanism measured along training (940 runs). Its settings file records the plan, the machine and the training
code's fingerprint."""

RESULTS = SWEEP
"""The default of :func:`load_results`: the sweep the chapters read (the November sweep it named before, 610 runs at
one learning rate, made by earlier code, is no longer shipped)."""

SELECTION = "lr_selection.jsonl"
"""The learning-rate selection runs (seeds 100-102, never reported), from which :func:`chosen_learning_rates`."""

LONG_RESULTS = "long_range_long.jsonl"
"""The long runs: three times the budget at T = 200 and 400, and the 1997 lengths T = 500 and 1000."""


def chosen_learning_rates(selection):
    """Each model's learning rate, chosen on the selection runs: the rate whose runs reach the highest mean test
    score over both tasks and the selection seeds (ties: more runs solved, then fewer sequences). ``{model: lr}``.

    The score is continuous, so a rate that brings every run closer counts before any run crosses the line."""
    by = {}
    for r in selection:
        by.setdefault(r["model"], {}).setdefault(r["lr"], []).append(r)
    if not by:
        raise ValueError("selection: no selection runs (run `scripts/run_experiments.py select` first)")
    out = {}
    for model, rates in by.items():
        def key(lr, rs=None):
            rs = rates[lr]  # noqa: B023 (used at once, by max below)
            need = [x["sequences"] for x in rs if x["solved"]]
            return (np.mean([x["score"] for x in rs]), sum(x["solved"] for x in rs),
                    -float(np.median(need)) if need else -np.inf)
        out[model] = float(max(rates, key=key))
    return out


INTERVENTIONS = {"lstm_bf3_smallc": "lstm_bf3"}
"""Chapter 08's intervention and the model it changes in one respect: it is not selected on, it trains at that
model's chosen rate."""


def learning_rate_of(model, rates):
    """The chosen rate of ``model``, or of the model an intervention changes."""
    return rates[INTERVENTIONS.get(model, model)]


def best_starts(records, T=400):
    """The LSTM and the GRU start that solve the most runs at length ``T`` pooled over both tasks (ties: the
    higher median score): ``(lstm_model, gru_model)``, the starts taken to the 1997 lengths."""
    def best(cell):
        models = {r["model"] for r in records if r["cell"] == cell and r["T"] == T}
        if not models:
            raise ValueError(f"records: no {cell} runs at T = {T}")
        def key(m):
            rs = [r for r in records if r["model"] == m and r["T"] == T]
            return sum(r["solved"] for r in rs), float(np.median([r["score"] for r in rs]))
        return max(sorted(models), key=key)
    return best("lstm"), best("gru")


def _stored_file(name):
    """The path of a stored results file, or ValueError naming the files there are."""
    folder = resources.files("lstm_utils").joinpath("results")
    if not isinstance(name, str) or not folder.joinpath(name).is_file():
        have = sorted(p.name for p in folder.iterdir() if p.name.endswith((".jsonl", ".json")))
        raise ValueError(f"name: expected a results file of lstm_utils/results ({', '.join(have)}), got {name!r}")
    return folder.joinpath(name)


def load_results(name=RESULTS):
    """The records of the sweep stored with the package (written by ``scripts/run_experiments.py``)."""
    text = _stored_file(name).read_text()
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def load_sweep_settings(name=RESULTS):
    """What ``scripts/run_experiments.py`` recorded beside the runs: the settings, models, sweep and machine."""
    stem = _stored_file(name).name.rsplit(".", 1)[0]
    text = _stored_file(f"{stem}.settings.json").read_text()
    return json.loads(text)


# ---------------------------------------------------------------------------------------------------------------
# A guard against a stale sweep
# ---------------------------------------------------------------------------------------------------------------

FINGERPRINT = {"T": 8, "batch_size": 16, "steps": 50, "seed": 0}
"""The fingerprint's run: short sequences and small batches, so that every matrix product sums fewer terms than
any OpenBLAS kernel's block (the kernels then round alike), in float64."""


def training_fingerprint(models=None):
    """The training losses of 50 float64 steps of every sweep model (each at its sweep learning rate), through
    the code the sweep trains with (:func:`start_stack`): ``{"task/model": [loss, ...]}``.

    Stored beside the sweep when it is made; ``tests/test_experiments.py`` recomputes it, so that a change to the
    arithmetic that trains (even at the level of rounding) fails until the sweep is re-run."""
    out = {}
    fp = FINGERPRINT
    for model in models or MODELS:
        for task in TASKS:
            r = start_stack(task, model, fp["T"], [fp["seed"]], mechanism=False, dtype="float64",
                            batch_size=fp["batch_size"], steps=fp["steps"], n_val=8, n_test=8,
                            eval_every=fp["steps"], stop_at=1.0)
            r.advance()
            out[f"{task}/{model}"] = [float(v) for v in r.hist[0]["loss"]]
    return out


def fingerprint_difference(a, b):
    """The largest relative difference between two fingerprints' losses (inf if their keys differ)."""
    if set(a) != set(b):
        return float("inf")
    worst = 0.0
    for k in a:
        x, y = np.asarray(a[k], np.float64), np.asarray(b[k], np.float64)
        if x.shape != y.shape:
            return float("inf")
        worst = max(worst, float(np.max(np.abs(x - y) / np.maximum(np.abs(x), 1e-300))))
    return worst


FINGERPRINT_ENV = {"OPENBLAS_CORETYPE": "Haswell", "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}
"""Where :func:`pinned_fingerprint` computes: OpenBLAS's Haswell kernel and numpy's AVX2 (X86_V3) code, which run
alike on any x86-64 CPU with AVX2. The four kernels of ``make portability`` differ in the fingerprint by 2-3e-15
and numpy's AVX-512 exp and log differ from its AVX2 ones in the last bit of float64, while a change to the code at
the level of rounding moves it by about 1e-15: only a pinned computation tells the two apart."""

FINGERPRINT_TOL = 0.0
"""Relative tolerance of the fingerprint check: none. Pinned, the computation is the same instruction for
instruction on any x86-64 CPU with AVX2, so its losses are the same bit for bit; a change of the code that moves
every weight gradient by one unit in the last place moves them by about 5e-16 (``tests/test_experiments.py``)."""


def pinned_fingerprint():
    """:func:`training_fingerprint` computed in a child process pinned by :data:`FINGERPRINT_ENV` (and, on a CPU
    with AVX-512, with numpy's AVX-512 code paths turned off), so that the result depends on the code alone."""
    import os
    import subprocess
    import sys

    from numpy._core._multiarray_umath import __cpu_features__

    env = {**os.environ, **FINGERPRINT_ENV}
    # the CPU's AVX-512 targets: those numpy runs here, and those this process was already told to leave off
    # (NPY_DISABLE_CPU_FEATURES, as make test's second rounding sets it), which the CPU has too
    off = os.environ.get("NPY_DISABLE_CPU_FEATURES", "").replace(",", " ").split()
    avx512 = [f for f in ("X86_V4", "AVX512_ICL", "AVX512_SPR") if __cpu_features__.get(f) or f in off]
    env["NPY_DISABLE_CPU_FEATURES"] = " ".join(avx512)
    code = "import json; from lstm_utils.experiments import training_fingerprint as f; print(json.dumps(f()))"
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    return json.loads(out.stdout)
