r"""Training a many-to-one model: Adam, global-norm clipping, a seeded loop with early stopping.

One loop trains every registered cell (:data:`lstm_utils.models.CELLS`: ``"rnn"``, ``"lstm"``, ``"gru"``) on every
task of the course; the cell is an argument, nothing else changes. Each step:

1. draw a minibatch (fresh sequences from a generator, or a random subset of a fixed data set);
2. forward, loss, backward (:mod:`lstm_utils.models`);
3. clip the gradient to a global norm (:func:`lstm_utils.gradients.clip_grad_norm`, chapter 02);
4. an Adam step (Kingma & Ba 2015):

.. math::

    m &\leftarrow \beta_1 m + (1 - \beta_1) g, \qquad v \leftarrow \beta_2 v + (1 - \beta_2) g^2,\\
    \theta &\leftarrow \theta - \eta\, \frac{m / (1 - \beta_1^t)}{\sqrt{v / (1 - \beta_2^t)} + \epsilon}

Every ``eval_every`` steps the model is scored on a held-out set; training stops early once the score reaches
``target``. Chapter 08's experiments, built on this loop, are in :mod:`lstm_utils.experiments`.

Introduced in chapter 08 (``notebooks/08_long_range_memory.ipynb``).
"""

from __future__ import annotations

import time
from contextlib import nullcontext

import numpy as np

from ._checks import ArgumentTypeError, finite, integer, number, real_array, rng as as_rng
from .gradients import clip_grad_norm, global_norm
from .models import LOSSES, METRICS, get_cell, model_backward, model_forward, split_params


class Adam:
    """Adam (Kingma & Ba 2015) on a dict of arrays, updated in place: ``opt.step(params, grads)``.

    Keeps one first-moment ``m`` and second-moment ``v`` array per key; the bias corrections
    :math:`1 - \\beta^t` undo their start at zero.
    """

    def __init__(self, lr=1e-2, beta1=0.9, beta2=0.999, eps=1e-8):
        self.lr = number("lr", lr, low=0.0, low_open=True)
        # beta = 1 would never move the moment from zero, and the bias correction 1 - beta^t would divide by zero
        self.beta1 = number("beta1", beta1, low=0.0, high=1.0, high_open=True)
        self.beta2 = number("beta2", beta2, low=0.0, high=1.0, high_open=True)
        self.eps = number("eps", eps, low=0.0, low_open=True)   # eps = 0 divides 0 by 0 where v is still zero
        self.m, self.v, self.t = {}, {}, 0

    def step(self, params, grads):
        """One update of every ``params[k]`` from ``grads[k]`` (same keys, same shapes, finite gradients).

        Every gradient is checked before any parameter moves: a NaN or infinite entry raises ``ValueError``
        naming the key and index (one bad step would otherwise turn every parameter into NaN for good).
        """
        if not isinstance(params, dict):
            raise ArgumentTypeError(f"params: expected a dict of arrays, got {type(params).__name__}")
        if not isinstance(grads, dict):
            raise ArgumentTypeError(f"grads: expected a dict of arrays, got {type(grads).__name__}")
        if set(grads) != set(params):
            raise ValueError(f"grads: expected the keys of params ({', '.join(sorted(params))}), "
                             f"got {', '.join(sorted(grads))}")
        checked = {}
        for k, g in grads.items():
            p = params[k]
            if not isinstance(p, np.ndarray) or p.dtype.kind != "f" or not p.flags.writeable:
                raise ValueError(f"params[{k!r}]: expected a writable floating-point array (updated in place), "
                                 f"got {type(p).__name__}" + (f" of dtype {p.dtype}" if isinstance(p, np.ndarray)
                                                              else ""))
            g = real_array(f"grads[{k!r}]", g, p.dtype)
            if g.shape != p.shape:
                raise ValueError(f"grads[{k!r}]: expected the shape of params[{k!r}], {p.shape}, got {g.shape}")
            checked[k] = finite(f"grads[{k!r}]", g)
        self._update(params, checked)

    def _update(self, params, grads):
        """The update itself, on checked gradients: with :math:`c_1 = 1 - \\beta_1^t` and :math:`c_2 = 1 - \\beta_2^t`,

        .. math:: m \\leftarrow \\beta_1 m + (1 - \\beta_1) g, \\qquad v \\leftarrow \\beta_2 v + (1 - \\beta_2) g^2,

        .. math:: p \\leftarrow p - \\eta \\, \\frac{m / c_1}{\\sqrt{v / c_2} + \\epsilon}.

        Elementwise, so it serves any leading axes (:class:`lstm_utils.stacked.StackedAdam` calls it on stacks).
        """
        self.t += 1
        c1, c2 = 1.0 - self.beta1**self.t, 1.0 - self.beta2**self.t
        for k, g in grads.items():
            if k not in self.m:
                self.m[k], self.v[k] = np.zeros_like(params[k]), np.zeros_like(params[k])
            m, v = self.m[k], self.v[k]
            m *= self.beta1
            m += (1.0 - self.beta1) * g
            v *= self.beta2
            v += (1.0 - self.beta2) * g * g
            params[k] -= self.lr * (m / c1) / (np.sqrt(v / c2) + self.eps)


def evaluate(cell, params, xs, ys, task, *, tol=0.04, batch_size=512):
    """``(loss, metric)`` of the model on ``xs`` (T, N, D), ``ys`` (N,), in batches of ``batch_size`` sequences.

    The metric is accuracy for ``task="classification"`` and the fraction solved (``|error| < tol``) for
    ``task="regression"``.
    """
    loss_fn, metric_fn = _task(task)
    tol = number("tol", tol, low=0.0, low_open=True)
    batch_size = integer("batch_size", batch_size, minimum=1)
    xs, ys = _data_set("xs", "ys", xs, ys)
    outs = [model_forward(cell, params, xs[:, s:s + batch_size])[0] for s in range(0, xs.shape[1], batch_size)]
    out = np.concatenate(outs, axis=0)
    loss, _ = loss_fn(out, ys)
    metric = metric_fn(out, ys, tol) if task == "regression" else metric_fn(out, ys)
    return loss, metric


def _task(task):
    if task not in LOSSES:
        raise ValueError(f"task: expected one of {', '.join(map(repr, LOSSES))}, got {task!r}")
    return LOSSES[task], METRICS[task]


def _data_set(xs_name, ys_name, xs, ys):
    """A fixed data set: ``xs`` (T, N, D) real, ``ys`` (N,) or (N, K) with the same N."""
    xs = real_array(xs_name, xs)
    if xs.ndim != 3 or 0 in xs.shape:
        raise ValueError(f"{xs_name}: expected shape (T, N, D) with T, N, D >= 1, got {tuple(xs.shape)}")
    ys = np.asarray(ys)
    if ys.ndim not in (1, 2) or ys.shape[0] != xs.shape[1]:
        raise ValueError(f"{ys_name}: expected shape (N,) or (N, K) with N = {xs.shape[1]} (the sequences of "
                         f"{xs_name}), got {tuple(ys.shape)}")
    return xs, ys


def _batches(data, batch_size, rng):
    """A function returning one training batch per call, from a generator or a fixed ``(xs, ys)`` set."""
    if callable(data):
        calls = [0]

        def draw_from_data():
            calls[0] += 1
            batch = data(batch_size, rng)
            if not (isinstance(batch, (tuple, list)) and len(batch) == 2):
                raise ArgumentTypeError(f"data: expected a callable (batch_size, rng) -> (xs, ys), got "
                                        f"{type(batch).__name__} from call {calls[0]}")
            finite(f"ys (from data, call {calls[0]})", np.asarray(batch[1]))
            return batch[0], batch[1]
        return draw_from_data
    if isinstance(data, tuple) and len(data) == 2:
        xs, ys = _data_set("data[0] (xs)", "data[1] (ys)", *data)
        N = xs.shape[1]

        def draw():
            idx = rng.choice(N, size=min(batch_size, N), replace=False)
            return xs[:, idx], ys[idx]
        return draw
    raise ArgumentTypeError(f"data: expected a callable (batch_size, rng) -> (xs, ys) or a tuple (xs, ys), got "
                            f"{type(data).__name__}" + (f" of length {len(data)}" if isinstance(data, tuple) else ""))


def _check_val(val):
    if val is None:
        return None
    if not isinstance(val, (tuple, list)) or len(val) != 2:
        raise ArgumentTypeError(f"val: expected a held-out set (xs, ys), got {type(val).__name__}"
                                + (f" of length {len(val)}" if isinstance(val, (tuple, list)) else ""))
    return _data_set("val[0] (xs)", "val[1] (ys)", *val)


def _fits_model(name, cell, params, xs):
    """Run the model on one sequence of ``xs`` so a mismatch is blamed on ``name``, not on the cell's ``xs``."""
    try:
        model_forward(cell, params, xs[:, :1])
    except ValueError as exc:
        raise ValueError(f"{name}: does not fit the model's input: {exc}") from None


def train(cell, params, data, *, task, steps=1000, lr=1e-2, batch_size=32, clip=1.0, val=None, eval_every=50,
          target=None, tol=0.04, keep_best=True, rng=0, progress=True, desc=None, probe=None):
    """Train a many-to-one model with Adam and global-norm clipping; returns ``(params, history)``.

    Parameters
    ----------
    cell : str or Cell
        A registered cell name (``"rnn"``, ``"lstm"``, ``"gru"``) or a :class:`lstm_utils.models.Cell`.
    params : dict
        The model's parameters, e.g. from :func:`lstm_utils.models.init_model`; copied, never modified.
    data : callable or tuple
        Either ``data(batch_size, rng) -> (xs, ys)``, drawing fresh sequences each step (the adding problem), or a
        fixed training set ``(xs, ys)`` with ``xs`` of shape (T, N, D), from which each step draws ``batch_size``
        sequences without replacement.
    task : "classification" or "regression"
        Softmax cross-entropy on integer labels and accuracy, or MSE and the fraction solved (``|error| < tol``).
    steps : int
        Maximum number of updates.
    lr, batch_size, clip : float, int, float or None
        Adam's learning rate; sequences per step; the global gradient norm is clipped to ``clip`` (None: never).
    val : tuple (xs, ys), optional
        Held-out set scored every ``eval_every`` steps and after the last step (the history's ``val_*``).
    target : float, optional
        Early stopping: stop as soon as the validation metric is >= ``target`` (needs ``val``).
    tol : float
        Tolerance of the fraction solved, for regression (0.04, as Hochreiter & Schmidhuber 1997).
    keep_best : bool
        With ``val``: return the parameters of the evaluation with the best validation metric (the usual companion
        of early stopping), not those of the last step. Score them on a separate test set for an unbiased number.
    rng : None, int or Generator
        Seeds the batches, so the same ``params``, data and seed give the same run, number for number.
    progress : bool
        Show a progress bar (``tqdm.auto``: a widget in a notebook, text in a terminal); False for scripts and tests.
    desc : str, optional
        Label of the progress bar.
    probe : callable, optional
        ``probe(xs, dxs) -> float``, called after every backward pass with the batch and dLoss/dxs, both (T, B, D);
        its values go to the history's ``probe`` (chapter 08 records how much gradient reaches the marked steps).

    Returns
    -------
    params : dict
        The trained parameters (the best evaluated ones if ``keep_best`` and ``val``).
    history : dict
        ``loss`` (training loss per step), ``grad_norm`` (global norm before clipping, per step), ``grad_first`` and
        ``grad_last`` (norm of dLoss/dx at the first and the last step, per step: how much gradient from the answer
        still reaches the start of the sequence), ``eval_step``, ``val_loss``, ``val_metric``, ``steps`` (updates
        made), ``best_step`` and ``best_metric`` (with ``val``), ``stopped_early`` (bool), ``seconds``, and
        ``probe`` (one value per step; empty without ``probe``).
    """
    tqdm = _progress_bar(progress)

    c = get_cell(cell)
    loss_fn, _ = _task(task)
    if not isinstance(params, dict):
        raise ArgumentTypeError(f"params: expected the model's dict of arrays (init_model), got "
                                f"{type(params).__name__}")
    split_params(params, c)                                # the cell's keys plus W_y, b_y
    steps = integer("steps", steps, minimum=1)
    lr = number("lr", lr, low=0.0, low_open=True)
    batch_size = integer("batch_size", batch_size, minimum=1)
    if clip is not None:
        clip = number("clip", clip, low=0.0, low_open=True)  # named here: clip_grad_norm calls it max_norm
    eval_every = integer("eval_every", eval_every, minimum=1)
    tol = number("tol", tol, low=0.0, low_open=True)
    val = _check_val(val)
    if target is not None:
        target = number("target", target)
        if val is None:
            raise ValueError("target: early stopping needs a validation set (val=(xs, ys))")
    if probe is not None and not callable(probe):
        raise ArgumentTypeError(f"probe: expected a callable probe(xs, dxs) -> float, got {type(probe).__name__}")
    if val is not None:
        _fits_model("val[0] (xs)", c, params, val[0])
    if isinstance(data, tuple) and len(data) == 2:
        _fits_model("data[0] (xs)", c, params, _data_set("data[0] (xs)", "data[1] (ys)", *data)[0])
    rng = as_rng("rng", rng)
    params = {k: np.array(v, copy=True) for k, v in params.items()}
    draw = _batches(data, batch_size, rng)
    opt = Adam(lr)
    hist = {k: [] for k in ("loss", "grad_norm", "grad_first", "grad_last", "eval_step", "val_loss",
                            "val_metric", "probe")}
    hist["stopped_early"] = False
    best = {"metric": -np.inf, "step": 0, "params": params}
    start = time.perf_counter()

    def score(step, bar):
        vloss, vmetric = evaluate(cell, params, val[0], val[1], task, tol=tol)
        hist["eval_step"].append(step)
        hist["val_loss"].append(vloss)
        hist["val_metric"].append(vmetric)
        if vmetric > best["metric"]:
            best.update(metric=vmetric, step=step, params={k: v.copy() for k, v in params.items()})
        bar.set_postfix(loss=f"{vloss:.4f}", metric=f"{vmetric:.3f}", refresh=False)
        return vmetric

    with _one_blas_thread(), tqdm(total=steps, disable=not progress, desc=desc, leave=True) as bar:
        step = 0
        while step < steps:
            xs, ys = draw()
            out, cache = model_forward(cell, params, xs)
            loss, dout = loss_fn(out, ys)
            grads, dxs = model_backward(dout, cache)
            if clip is not None:
                grads, norm = clip_grad_norm(grads, clip)
            else:
                norm = global_norm(grads)
            opt.step(params, grads)
            step += 1
            hist["loss"].append(loss)
            hist["grad_norm"].append(norm)
            hist["grad_first"].append(float(np.linalg.norm(dxs[0])))
            hist["grad_last"].append(float(np.linalg.norm(dxs[-1])))
            if probe is not None:
                hist["probe"].append(float(probe(xs, dxs)))
            bar.update(1)
            if val is not None and (step % eval_every == 0 or step == steps):
                metric = score(step, bar)
                if target is not None and metric >= target:
                    hist["stopped_early"] = step < steps
                    _end_bar_early(bar, step)
                    break
        if val is not None and (not hist["eval_step"] or hist["eval_step"][-1] != step):
            score(step, bar)
    hist["steps"] = step
    hist["seconds"] = time.perf_counter() - start
    if val is not None:
        hist["best_step"], hist["best_metric"] = best["step"], best["metric"]
        if keep_best:
            params = best["params"]
    return params, hist


class _NoBar:
    """A stand-in for tqdm when it is not installed (the core needs numpy only) and no bar is asked for."""

    def __init__(self, *args, **kwargs):
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def update(self, n=1):
        pass

    def set_postfix(self, *args, **kwargs):
        pass

    def refresh(self):
        pass


def _progress_bar(progress):
    """``tqdm.auto.tqdm`` (imported here: only training needs it), or a silent stand-in without tqdm."""
    try:
        from tqdm.auto import tqdm
    except ImportError:
        if progress:
            raise ImportError("train(progress=True) draws a progress bar with tqdm, which is not installed: "
                              "pip install tqdm (or lstm_utils[book]), or pass progress=False") from None
        return _NoBar
    return tqdm


def _one_blas_thread():
    """One BLAS thread while training: the course's matrices are tiny, and threads fighting over busy cores cost
    10-100x. Needs threadpoolctl (in ``lstm_utils[book]``), imported here so the core needs numpy alone; without it
    training is only slower where cores are contended."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        return nullcontext()
    return threadpool_limits(1)


def _end_bar_early(bar, step):
    """End the progress bar at ``step``: an early stop is a success, but tqdm's notebook bar turns red when it is
    closed short of its total."""
    if isinstance(bar, _NoBar):
        return
    bar.total = step
    container = getattr(bar, "container", None)          # the notebook widget: its bar keeps its own maximum
    if container is not None:
        container.children[1].max = step
    bar.refresh()


def plot_history(history, ax=None, *, label=None, color=None, metric=False):
    """The training curve of a :func:`train` history; defined in :func:`lstm_utils.figures.plotting.plot_history`
    (needs matplotlib), kept here where chapter 08 first met it."""
    from .plotting import plot_history as _plot_history

    return _plot_history(history, ax, label=label, color=color, metric=metric)
