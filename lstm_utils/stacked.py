r"""Many seeds of one model trained as one computation: the sweep's fast path.

Chapter 08's sweep trains the same model on the same task from many seeds. At the course's sizes (H = 32, batches
of 32) a step of one model is a long chain of small array operations whose cost is numpy's call overhead, not
arithmetic; stacking S models on a leading *model axis* makes every operation act on S models at once for about
the price of one. Each model keeps everything of its own: its weights, its batches (its own generator), its Adam
moments, its clipping norm, its validation set, its early stop. Stacked, the run of every seed is the run that
:func:`lstm_utils.train.train` makes of it alone, to float64 round-off (``tests/test_stacked.py`` checks 50 steps
of every cell to 1e-12): this module changes the speed of the sweep, not what it computes.

Shapes: ``S`` models, ``T`` steps, ``B`` sequences, ``D`` inputs, ``H`` units. Weights are stored as the cells
store them, with a model axis in front: ``W`` (S, H, H + D) acting on :math:`[h_{t-1}, x_t]`. Sequences are
time-major, (T, S, B, D), states (S, B, H).

The equations are the chapters' (``lstm_utils.rnn``, ``lstm``, ``gru``), written once for a stack:

* RNN: :math:`h_t = \tanh(W_h [h_{t-1}, x_t] + b_h)`;
* LSTM: :math:`f, i, o = \sigma(\cdot)`, :math:`\tilde C = \tanh(\cdot)`, :math:`C_t = f \odot C_{t-1} + i \odot
  \tilde C`, :math:`h_t = o \odot \tanh C_t`;
* GRU (Chung et al.'s form, reset before the product): :math:`z, r = \sigma(\cdot)`, :math:`\tilde h =
  \tanh(W_{\tilde h} [r \odot h_{t-1}, x_t] + b_{\tilde h})`, :math:`h_t = (1 - z) \odot h_{t-1} + z \odot \tilde h`;

then the readout :math:`y = W_y h_T + b_y`, the task's loss averaged over the batch, global-norm clipping per
model and one Adam step per model.
"""

from __future__ import annotations

import time

import numpy as np

from .activations import sigmoid
from .train import Adam

CELL_KEYS = {"rnn": ("W_h", "b_h"),
             "lstm": ("W_f", "b_f", "W_i", "b_i", "W_c", "b_c", "W_o", "b_o"),
             "gru": ("W_z", "b_z", "W_r", "b_r", "W_h", "b_h")}
"""The parameter keys of each cell, in the order the cell's module defines them; every model adds W_y, b_y."""


_BUFFERS: dict = {}


def _buffer(name, shape, dtype):
    """A work array reused from call to call (no fresh pages to fault in at every step of a long sequence).

    The caches the forward functions return live in these buffers: a cache is good until the next forward call
    on the same shapes, which is how the training loop uses it (forward, backward, update, then the next batch)."""
    key = (name, shape, np.dtype(dtype))
    if key not in _BUFFERS:
        if len(_BUFFERS) > 64:              # many shapes (units of other lengths in one worker): start over
            _BUFFERS.clear()
        _BUFFERS[key] = np.empty(shape, dtype=dtype)
    return _BUFFERS[key]


def _T(W):
    """The transpose of every model's matrix in a stack (S, m, n) -> (S, n, m)."""
    return np.swapaxes(W, -1, -2)


def _sum_over_steps(d, inp):
    r""":math:`\sum_{t,b} d_{tb}^\top\, \mathrm{inp}_{tb}` per model: ``d`` model-major (S, T, B, m), ``inp``
    time-major (T, S, B, n) -> (S, m, n)."""
    S, T, B, m = d.shape
    inp2 = np.moveaxis(inp, 1, 0).reshape(S, T * B, inp.shape[-1])     # one copy of the (narrow) inputs
    return _T(d.reshape(S, T * B, m)) @ inp2


def _model_major(name, T, S, B, n, dtype):
    """A (S, T, B, n) buffer for the gradients on the pre-activations, filled one step at a time (each step's
    (S, B, n) slice is strided): model-major, so each model's weight gradient is one product with no copy."""
    return _buffer(name, (S, T, B, n), dtype)


# ---------------------------------------------------------------------------------------------------------------
# The three cells, forward and backward over a stack of models. Arrays are time-major, (T, S, B, .): the step's
# values of all models lie together in memory, which at T = 400 is faster than model-major by a quarter.
# ---------------------------------------------------------------------------------------------------------------

def _input_projection(name, xs, W_x, b):
    """:math:`W_x x_t + b` for every step and model at once: xs (T, S, B, D) -> (T, S, B, n), in a reused buffer."""
    W_x_T = np.ascontiguousarray(_T(W_x))
    a = np.matmul(xs, W_x_T, out=_buffer(name, xs.shape[:-1] + W_x_T.shape[-1:], xs.dtype))
    a += b[:, None, :]
    return a


def _input_gradient(das, W_x):
    """dL/dx_t = delta a_t W_x for every step: ``das`` model-major (S, T, B, n), (S, n, D) -> (T, S, B, D)."""
    S, T, B, n = das.shape
    return np.moveaxis((das.reshape(S, T * B, n) @ np.ascontiguousarray(W_x)).reshape(S, T, B, -1), 0, 1)


def rnn_forward(xs, p):
    """h_T (S, B, H) and the cache of the stacked RNN from a zero state; ``xs`` is (T, S, B, D)."""
    W = p["W_h"]
    H = W.shape[1]
    T, S, B, _ = xs.shape
    a_x = _input_projection("rnn.a_x", xs, W[:, :, H:], p["b_h"])                # (T, S, B, H)
    W_hh_T = np.ascontiguousarray(_T(W[:, :, :H]))
    hs = _buffer("rnn.hs", (T + 1, S, B, H), xs.dtype)                  # h_0 = 0, h_1..h_T
    hs[0] = 0.0
    for t in range(T):
        a = hs[t] @ W_hh_T
        a += a_x[t]
        np.tanh(a, out=hs[t + 1])                                       # h_t = tanh(W_h [h_{t-1}, x_t] + b_h)
    return hs[-1], {"xs": xs, "hs": hs, "p": p}


def rnn_backward(dh, c):
    """Gradients of the stacked RNN from dL/dh_T (S, B, H): ``(grads, dxs)``, ``dxs`` (T, S, B, D)."""
    xs, hs, W = c["xs"], c["hs"], c["p"]["W_h"]
    T = xs.shape[0]
    H = W.shape[1]
    S, B = xs.shape[1], xs.shape[2]
    das = _model_major("rnn.das", T, S, B, H, xs.dtype)                 # pre-activation gradients, going back
    W_hh = np.ascontiguousarray(W[:, :, :H])
    for t in range(T - 1, -1, -1):
        h = hs[t + 1]
        da = das[:, t]
        np.multiply(dh, 1.0 - h * h, out=da)                            # through tanh
        dh = da @ W_hh
    grads = {"W_h": _sum_over_steps(das, np.concatenate([hs[:-1], xs], axis=-1)), "b_h": das.sum(axis=(1, 2))}
    return grads, _input_gradient(das, W[:, :, H:])


def lstm_forward(xs, p):
    """h_T (S, B, H) and the cache of the stacked LSTM from zero states."""
    W = np.concatenate([p["W_f"], p["W_i"], p["W_c"], p["W_o"]], axis=1)   # (S, 4H, H + D), gates f, i, C~, o
    b = np.concatenate([p["b_f"], p["b_i"], p["b_c"], p["b_o"]], axis=1)   # (S, 4H)
    H = p["W_f"].shape[1]
    T, S, B, _ = xs.shape
    a_x = _input_projection("lstm.a_x", xs, W[:, :, H:], b)                        # (T, S, B, 4H)
    W_hh_T = np.ascontiguousarray(_T(W[:, :, :H]))
    hs = _buffer("lstm.hs", (T + 1, S, B, H), xs.dtype)
    cs = _buffer("lstm.cs", (T + 1, S, B, H), xs.dtype)
    hs[0], cs[0] = 0.0, 0.0
    gates = _buffer("lstm.gates", (T, S, B, 4 * H), xs.dtype)            # f, i, C~, o of every step
    tanh_c = _buffer("lstm.tanh_c", (T, S, B, H), xs.dtype)
    with np.errstate(over="ignore"):                                    # exp(-a) -> inf gives sigma = 0 exactly
        for t in range(T):
            a = hs[t] @ W_hh_T
            a += a_x[t]
            c_tilde = np.tanh(a[..., 2 * H:3 * H])                       # C~_t
            g = gates[t]
            np.negative(a, out=a)                                       # sigma(a) = 1 / (1 + exp(-a)), in place
            np.exp(a, out=a)
            a += 1.0
            np.divide(1.0, a, out=g)                                    # f_t, i_t, o_t (and C~'s block, replaced)
            g[..., 2 * H:3 * H] = c_tilde
            f, i, o = g[..., :H], g[..., H:2 * H], g[..., 3 * H:]
            c = cs[t + 1]
            np.multiply(f, cs[t], out=c)                                # C_t = f_t C_{t-1} + i_t C~_t
            c += i * c_tilde
            np.tanh(c, out=tanh_c[t])
            np.multiply(o, tanh_c[t], out=hs[t + 1])                    # h_t = o_t tanh(C_t)
    return hs[-1], {"xs": xs, "hs": hs, "cs": cs, "gates": gates, "tanh_c": tanh_c, "W": W, "H": H}


def lstm_backward(dh, c):
    """Gradients of the stacked LSTM from dL/dh_T (S, B, H): ``(grads, dxs)``."""
    xs, cs, gates, tanh_c, W, H = c["xs"], c["cs"], c["gates"], c["tanh_c"], c["W"], c["H"]
    T = xs.shape[0]
    W_hh = np.ascontiguousarray(W[:, :, :H])
    das = _model_major("lstm.das", T, gates.shape[1], gates.shape[2], gates.shape[3], gates.dtype)
    dc = np.zeros_like(dh)
    x = np.empty(gates.shape[1:], dtype=gates.dtype)                    # one step's (S, B, 4H), before the squashings
    local = np.empty_like(x)                                            # their derivatives, sigma' and tanh'
    for t in range(T - 1, -1, -1):
        g, tc = gates[t], tanh_c[t]
        dc += dh * g[..., 3 * H:] * (1.0 - tc * tc)                      # C_t reaches the loss through h_t too
        np.multiply(dc, cs[t], out=x[..., :H])                          # delta f = dC C_{t-1}
        np.multiply(dc, g[..., 2 * H:3 * H], out=x[..., H:2 * H])       # delta i = dC C~
        np.multiply(dc, g[..., H:2 * H], out=x[..., 2 * H:3 * H])       # delta C~ = dC i
        np.multiply(dh, tc, out=x[..., 3 * H:])                         # delta o = dh tanh C
        np.subtract(1.0, g, out=local)
        local *= g                                                      # sigma' = g (1 - g) for f, i, o
        c_tilde = g[..., 2 * H:3 * H]
        np.multiply(c_tilde, c_tilde, out=local[..., 2 * H:3 * H])
        np.subtract(1.0, local[..., 2 * H:3 * H], out=local[..., 2 * H:3 * H])   # tanh' = 1 - C~^2
        da = das[:, t]
        np.multiply(x, local, out=da)
        dh = da @ W_hh
        dc *= g[..., :H]                                                # along the cell state: times f_t
    dW = _sum_over_steps(das, np.concatenate([c["hs"][:-1], xs], axis=-1))   # (S, 4H, H + D)
    db = das.sum(axis=(1, 2))
    grads = {}
    for k, g in enumerate("fico"):
        grads[f"W_{g}"] = dW[:, k * H:(k + 1) * H]
        grads[f"b_{g}"] = db[:, k * H:(k + 1) * H]
    return grads, _input_gradient(das, W[:, :, H:])


def gru_forward(xs, p):
    """h_T (S, B, H) and the cache of the stacked GRU (reset before the product) from a zero state."""
    H = p["W_z"].shape[1]
    W_zr = np.concatenate([p["W_z"], p["W_r"]], axis=1)                  # (S, 2H, H + D)
    b_zr = np.concatenate([p["b_z"], p["b_r"]], axis=1)
    W_h = p["W_h"]
    T, S, B, _ = xs.shape
    a_zr_x = _input_projection("gru.a_zr_x", xs, W_zr[:, :, H:], b_zr)                # (T, S, B, 2H)
    a_h_x = _input_projection("gru.a_h_x", xs, W_h[:, :, H:], p["b_h"])               # (T, S, B, H)
    W_zr_hh_T = np.ascontiguousarray(_T(W_zr[:, :, :H]))
    W_h_hh_T = np.ascontiguousarray(_T(W_h[:, :, :H]))
    hs = _buffer("gru.hs", (T + 1, S, B, H), xs.dtype)
    hs[0] = 0.0
    zr = _buffer("gru.zr", (T, S, B, 2 * H), xs.dtype)
    h_tilde = _buffer("gru.h_tilde", (T, S, B, H), xs.dtype)
    for t in range(T):
        h = hs[t]
        a = h @ W_zr_hh_T
        a += a_zr_x[t]
        g = sigmoid(a)                                                  # z_t, r_t
        zr[t] = g
        z, r = g[..., :H], g[..., H:]
        a_h = (r * h) @ W_h_hh_T
        a_h += a_h_x[t]
        ht = np.tanh(a_h)
        h_tilde[t] = ht
        hs[t + 1] = h + z * (ht - h)                                    # (1 - z) h + z h~
    return hs[-1], {"xs": xs, "hs": hs, "zr": zr, "h_tilde": h_tilde, "W_zr": W_zr, "W_h": W_h, "H": H}


def gru_backward(dh, c):
    """Gradients of the stacked GRU from dL/dh_T (S, B, H): ``(grads, dxs)``."""
    xs, hs, zr, h_tilde, W_zr, W_h, H = c["xs"], c["hs"], c["zr"], c["h_tilde"], c["W_zr"], c["W_h"], c["H"]
    T = xs.shape[0]
    W_zr_hh, W_h_hh = np.ascontiguousarray(W_zr[:, :, :H]), np.ascontiguousarray(W_h[:, :, :H])
    S, B = xs.shape[1], xs.shape[2]
    da_zr = _model_major("gru.da_zr", T, S, B, 2 * H, zr.dtype)
    da_h = _model_major("gru.da_h", T, S, B, H, zr.dtype)
    rh = _buffer("gru.rh", h_tilde.shape, zr.dtype)                     # r_t * h_{t-1}, what W_h~ reads
    for t in range(T - 1, -1, -1):
        z, r, ht, h_prev = zr[t, ..., :H], zr[t, ..., H:], h_tilde[t], hs[t]
        rh[t] = r * h_prev
        d_ah = da_h[:, t]
        np.multiply(dh * z, 1.0 - ht * ht, out=d_ah)                     # delta h~ through tanh'
        d_rh = d_ah @ W_h_hh                                             # delta (r * h_{t-1})
        d_azr = da_zr[:, t]
        np.multiply(dh * (ht - h_prev), z * (1.0 - z), out=d_azr[..., :H])      # delta z through sigma'
        np.multiply(d_rh * h_prev, r * (1.0 - r), out=d_azr[..., H:])           # delta r through sigma'
        dh = dh * (1.0 - z) + d_rh * r + d_azr @ W_zr_hh
    dW_zr = _sum_over_steps(da_zr, np.concatenate([hs[:-1], xs], axis=-1))
    dW_h = _sum_over_steps(da_h, np.concatenate([rh, xs], axis=-1))
    db_zr = da_zr.sum(axis=(1, 2))
    grads = {"W_z": dW_zr[:, :H], "b_z": db_zr[:, :H], "W_r": dW_zr[:, H:], "b_r": db_zr[:, H:],
             "W_h": dW_h, "b_h": da_h.sum(axis=(1, 2))}
    return grads, _input_gradient(da_zr, W_zr[:, :, H:]) + _input_gradient(da_h, W_h[:, :, H:])


CELLS = {"rnn": (rnn_forward, rnn_backward), "lstm": (lstm_forward, lstm_backward),
         "gru": (gru_forward, gru_backward)}


# ---------------------------------------------------------------------------------------------------------------
# The model: readout, loss, clipping, Adam
# ---------------------------------------------------------------------------------------------------------------

def model_forward(cell, p, xs):
    """The outputs :math:`y = W_y h_T + b_y` of every model, (S, B, K), and the cache."""
    h_T, cache = CELLS[cell][0](xs, p)
    return h_T @ _T(p["W_y"]) + p["b_y"][:, None, :], (h_T, cache)


def model_backward(cell, p, dy, cache):
    """``(grads, dxs)`` of every model from dL/dy (S, B, K); ``dxs`` is (T, S, B, D)."""
    h_T, cell_cache = cache
    grads, dxs = CELLS[cell][1](dy @ p["W_y"], cell_cache)
    grads["W_y"] = _T(dy) @ h_T
    grads["b_y"] = dy.sum(axis=1)
    return grads, dxs


def loss_and_gradient(task, y, ys):
    """Per model: the loss averaged over the batch (S,) and dL/dy (S, B, K), as :mod:`lstm_utils.models`."""
    if task == "regression":                                             # mean squared error
        diff = y - ys.reshape(y.shape)
        return np.mean(diff * diff, axis=(1, 2)), (2.0 / (diff.shape[1] * diff.shape[2])) * diff
    z = y - y.max(axis=2, keepdims=True)                                 # softmax cross-entropy on labels
    log_p = z - np.log(np.exp(z).sum(axis=2, keepdims=True))
    S, B, _ = y.shape
    rows, cols = np.arange(S)[:, None], np.arange(B)[None, :]
    loss = -log_p[rows, cols, ys].mean(axis=1)
    d = np.exp(log_p)
    d[rows, cols, ys] -= 1.0
    return loss, d / B


def metric(task, y, ys, tol):
    """Per model: the fraction solved (regression, ``|y - target| < tol``) or the accuracy, (S,)."""
    if task == "regression":
        return np.mean(np.all(np.abs(y - ys.reshape(y.shape)) < tol, axis=2), axis=1)
    return np.mean(np.argmax(y, axis=2) == ys, axis=1)


def clip_per_model(grads, max_norm):
    r"""Global-norm clipping of each model's gradient, :math:`g \leftarrow c\, g / \|g\|` when :math:`\|g\| > c`;
    returns the clipped gradients and the norms before clipping (S,)."""
    S = next(iter(grads.values())).shape[0]
    sq = sum(np.sum(np.square(g.reshape(S, -1).astype(np.float64)), axis=1) for g in grads.values())
    norm = np.sqrt(sq)
    if max_norm is None:
        return grads, norm
    factor = np.where(norm > max_norm, max_norm / np.where(norm > 0, norm, 1.0), 1.0)
    out = {}
    for k, g in grads.items():
        out[k] = g * factor.astype(g.dtype).reshape((S,) + (1,) * (g.ndim - 1))
    return out, norm


class StackedAdam(Adam):
    """Adam (Kingma & Ba 2015) on stacked parameters: :class:`lstm_utils.train.Adam`'s elementwise update, applied to
    every model of the stack at once (all models share the step count, as they start together). The gradients come
    from this module's own backward pass, so ``step`` skips ``Adam.step``'s checks of a caller's dicts."""

    def step(self, params, grads):
        self._update(params, grads)

    def keep(self, rows):
        """Drop the models not in ``rows`` (they stopped early)."""
        self.m = {k: a[rows] for k, a in self.m.items()}
        self.v = {k: a[rows] for k, a in self.v.items()}


def stack(params_list):
    """One dict of (S, ...) arrays from S models' parameter dicts (same keys and shapes)."""
    return {k: np.stack([p[k] for p in params_list]) for k in params_list[0]}


def unstack(params, s):
    """Model ``s``'s parameter dict (copies) from a stack."""
    return {k: np.array(a[s]) for k, a in params.items()}


def evaluate(cell, params, xs, ys, task, tol, batch_size=512):
    """Per model ``(loss, metric)`` on its own held-out set: ``xs`` (T, S, N, D), ``ys`` (S, N) or (S, N, K).

    The work arrays of each chunk are let go after it: at T = 1000 one chunk's forward caches hold 3.6 GB, and
    kept for every chunk shape they held a worker at 7-11 GB."""
    kept = set(_BUFFERS)
    outs = []
    for s in range(0, xs.shape[2], batch_size):
        outs.append(model_forward(cell, params, xs[:, :, s:s + batch_size])[0])   # y is a fresh array
        for key in set(_BUFFERS) - kept:
            del _BUFFERS[key]
    y = np.concatenate(outs, axis=1)
    return loss_and_gradient(task, y, ys)[0], metric(task, y, ys, tol)


# ---------------------------------------------------------------------------------------------------------------
# The training loop
# ---------------------------------------------------------------------------------------------------------------

class StackedRun:
    """The state of S models training together; :meth:`advance` runs updates, :meth:`result` gives each model's
    ``(params, history)`` as :func:`lstm_utils.train.train` returns them. The whole state is plain arrays and
    generators, so it pickles: a long run saves itself and resumes (``scripts/run_experiments.py``)."""

    def __init__(self, cell, params_list, draws, *, task, steps, lr, batch_size, clip, val, eval_every, target,
                 tol, probe=None, monitor=None, monitor_at=()):
        if cell not in CELLS:
            raise ValueError(f"cell: expected one of {', '.join(map(repr, CELLS))}, got {cell!r}")
        if task not in ("regression", "classification"):
            raise ValueError(f"task: expected 'regression' or 'classification', got {task!r}")
        if len(params_list) != len(draws) or len(val) != len(draws):
            raise ValueError(f"params_list, draws, val: expected one per model, got {len(params_list)}, "
                             f"{len(draws)}, {len(val)}")
        self.cell, self.task, self.steps, self.batch_size = cell, task, steps, batch_size
        self.clip, self.eval_every, self.target, self.tol = clip, eval_every, target, tol
        self.S = len(params_list)
        self.params = stack([{k: np.array(v, copy=True) for k, v in p.items()} for p in params_list])
        self.draws = list(draws)                      # draw(s)() -> (xs (T, B, D), ys) from model s's generator
        self.val_xs = np.stack([v[0] for v in val], axis=1)             # (T, S, N, D)
        self.val_ys = np.stack([np.asarray(v[1]) for v in val])
        self.active = list(range(self.S))             # the models still training, in stack order
        self.opt = StackedAdam(lr)
        self.probe, self.monitor, self.monitor_at = probe, monitor, tuple(monitor_at)
        self.hist = [{k: [] for k in ("loss", "grad_norm", "grad_first", "grad_last", "eval_step", "val_loss",
                                      "val_metric", "probe", "monitor")} | {"stopped_early": False}
                     for _ in range(self.S)]
        self.best = [{"metric": -np.inf, "step": 0, "params": None} for _ in range(self.S)]
        self.step, self.seconds = 0, 0.0
        self.final = [None] * self.S                 # each model's params once it has stopped
        self.steps_of = [None] * self.S
        if 0 in self.monitor_at:
            self._monitor()

    @property
    def done(self):
        return not self.active

    def _monitor(self):
        if self.monitor is None:
            return
        for j, s in enumerate(self.active):
            monitor = self.monitor[s] if isinstance(self.monitor, (list, tuple)) else self.monitor
            self.hist[s]["monitor"].append({"step": self.step, **monitor(unstack(self.params, j))})

    def _score(self):
        rows = self.active
        loss, met = evaluate(self.cell, self.params, self.val_xs[:, rows], self.val_ys[rows], self.task, self.tol)
        stopped = []
        for j, s in enumerate(rows):
            h = self.hist[s]
            h["eval_step"].append(self.step)
            h["val_loss"].append(float(loss[j]))
            h["val_metric"].append(float(met[j]))
            if met[j] > self.best[s]["metric"]:
                self.best[s].update(metric=float(met[j]), step=self.step, params=unstack(self.params, j))
            if self.target is not None and met[j] >= self.target:
                h["stopped_early"] = self.step < self.steps
                stopped.append(j)
        return stopped

    def _retire(self, js):
        """Stop the models at stack positions ``js``."""
        for j in js:
            s = self.active[j]
            self.final[s], self.steps_of[s] = unstack(self.params, j), self.step
        keep = [j for j in range(len(self.active)) if j not in js]
        self.active = [self.active[j] for j in keep]
        self.params = {k: a[keep] for k, a in self.params.items()}
        self.opt.keep(keep)

    def advance(self, n=None, *, until=None):
        """Run up to ``n`` updates (all that remain by default), or until ``time.time()`` passes ``until``."""
        start = time.perf_counter()
        n_done = 0
        while self.active and self.step < self.steps and (n is None or n_done < n) \
                and (until is None or time.time() < until):
            self._update()
            n_done += 1
            if self.step % self.eval_every == 0 or self.step == self.steps:
                stopped = self._score()
                if stopped:
                    self._retire(stopped)
            if self.step in self.monitor_at:
                self._monitor()
        if self.active and self.step >= self.steps:
            self._retire(list(range(len(self.active))))
        self.seconds += time.perf_counter() - start
        return self

    def _update(self):
        batches = [self.draws[s]() for s in self.active]
        xs = np.stack([b[0] for b in batches], axis=1)                  # (T, S, B, D)
        ys = np.stack([np.asarray(b[1]) for b in batches])
        y, cache = model_forward(self.cell, self.params, xs)
        loss, dy = loss_and_gradient(self.task, y, ys)
        grads, dxs = model_backward(self.cell, self.params, dy.astype(xs.dtype), cache)
        grads, norm = clip_per_model(grads, self.clip)
        self.opt.step(self.params, grads)
        self.step += 1
        for j, s in enumerate(self.active):
            h = self.hist[s]
            h["loss"].append(float(loss[j]))
            h["grad_norm"].append(float(norm[j]))
            h["grad_first"].append(float(np.linalg.norm(dxs[0, j])))
            h["grad_last"].append(float(np.linalg.norm(dxs[-1, j])))
            if self.probe is not None:
                h["probe"].append(float(self.probe(xs[:, j], dxs[:, j])))

    def result(self, keep_best=True):
        """Each model's ``(params, history)``, as :func:`lstm_utils.train.train` would return it alone."""
        if not self.done:
            raise RuntimeError("result: the run has models still training; call advance() first")
        out = []
        for s in range(self.S):
            h = dict(self.hist[s])
            h["steps"], h["seconds"] = self.steps_of[s], self.seconds
            h["best_step"], h["best_metric"] = self.best[s]["step"], self.best[s]["metric"]
            out.append((self.best[s]["params"] if keep_best else self.final[s], h))
        return out


def train_stacked(cell, params_list, draws, **kw):
    """Train S models of one cell together; a list of ``(params, history)``, one per model (see
    :class:`StackedRun` for the arguments: those of :func:`lstm_utils.train.train`, one ``draws[s]`` and one
    ``val[s]`` per model)."""
    return StackedRun(cell, params_list, draws, **kw).advance().result()
