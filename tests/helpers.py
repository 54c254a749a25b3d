"""Shared test helpers for the cells: problem builders, the step-loop references, layouts, message regexes, a
sigmoid written out by hand.

Imported by the tests as ``helpers`` (``tests/`` is on the path): one copy of each, so a change of the public
contract is made in one place.
"""

from __future__ import annotations

import re

import numpy as np

import lstm_utils as lu

CELLS = ("rnn", "lstm", "gru")
INIT = {"rnn": lu.init_rnn, "lstm": lu.init_lstm, "gru": lu.init_gru}


def naive_sigmoid(x):
    """The textbook sigmoid, 1 / (1 + exp(-x)), written out independently of ``lstm_utils``."""
    return 1.0 / (1.0 + np.exp(-x))


def shape_error(name, expected, given):
    """A regex for the contract's message: the argument's name, then the expected shape, then the one given."""
    return re.escape(name) + ".*" + re.escape(expected) + ".*" + re.escape(given)


def make_problem(cell, T, B, D, H, *, dtype=np.float64, seed=0, gain=1.0):
    """Parameters (weights times ``gain``: large gains saturate the gates; biases perturbed away from 0), inputs
    ``xs`` (T, B, D), non-zero states ``h0``, ``c0`` (B, H) and upstream gradients ``dhs`` (T, B, H),
    ``dc_last`` (B, H), as a dict, all in ``dtype``. ``c0`` and ``dc_last`` are made for every cell (the RNN and
    the GRU ignore them), so one seed gives the same ``xs`` whatever the cell."""
    rng = np.random.default_rng(seed)
    params = {k: (v * gain if k.startswith("W") else v + rng.normal(0.0, 0.5, v.shape)).astype(dtype)
              for k, v in INIT[cell](D, H, rng=rng).items()}
    return {
        "params": params,
        "xs": rng.standard_normal((T, B, D)).astype(dtype),
        "h0": (0.5 * rng.standard_normal((B, H))).astype(dtype),
        "c0": rng.standard_normal((B, H)).astype(dtype),
        "dhs": rng.standard_normal((T, B, H)).astype(dtype),
        "dc_last": rng.standard_normal((B, H)).astype(dtype),
    }


def rnn_problem(T, B, D, H, *, seed=0, scale=None, dtype=np.float64):
    """The RNN problem of ``test_rnn.py`` and ``test_gradients.py``: inputs ``xs`` (T, B, D), a non-zero initial
    state ``h0`` (B, H), parameters from ``init_rnn(D, H, scale=scale)`` with a non-zero bias (h_t is then not odd in
    the inputs) and upstream gradients ``G`` (T, B, H), as ``(xs, h0, params, G)`` in ``dtype``. ``G`` is drawn
    last, so a caller that ignores it sees the same problem."""
    rng = np.random.default_rng(seed)
    params = lu.init_rnn(D, H, rng=rng, scale=scale)
    params["b_h"] = rng.normal(0.0, 0.3, size=H)
    xs = rng.normal(size=(T, B, D))
    h0 = rng.normal(0.0, 0.5, size=(B, H))
    G = rng.normal(size=(T, B, H))
    return xs.astype(dtype), h0.astype(dtype), {k: v.astype(dtype) for k, v in params.items()}, G.astype(dtype)


def run_sequence(cell, pb, *, reset_after=False):
    """The sequence functions on the problem ``pb``: ``(states, grads, inputs_grads)`` as flat dicts.

    ``states``: ``hs`` (and ``cs``); gradients: the parameters' keys, ``dxs``, ``dh0`` (and ``dc0``)."""
    p, xs, h0, dhs = pb["params"], pb["xs"], pb["h0"], pb["dhs"]
    if cell == "rnn":
        hs, cache = lu.rnn_forward(xs, h0, p)
        grads, dxs, dh0 = lu.rnn_backward(dhs, cache)
        return {"hs": hs}, {**grads, "dxs": dxs, "dh0": dh0}
    if cell == "gru":
        hs, cache = lu.gru_forward(xs, h0, p, reset_after=reset_after)
        grads, dxs, dh0 = lu.gru_backward(dhs, cache)
        return {"hs": hs}, {**grads, "dxs": dxs, "dh0": dh0}
    hs, cs, cache = lu.lstm_forward(xs, h0, pb["c0"], p)
    grads, dxs, dh0, dc0 = lu.lstm_backward(dhs, cache, dc_last=pb["dc_last"])
    return {"hs": hs, "cs": cs}, {**grads, "dxs": dxs, "dh0": dh0, "dc0": dc0}


def run_step_loop(cell, pb, *, reset_after=False):
    """The reference: the cell's step function in a Python loop over t, then its step backward back over t with
    the parameter gradients summed. Same return as :func:`run_sequence`. The RNN and the GRU need no ``c0`` or
    ``dc_last`` in ``pb``."""
    p, xs, dhs = pb["params"], pb["xs"], pb["dhs"]
    T = xs.shape[0]
    h, c, caches, hs, cs = pb["h0"], pb.get("c0"), [], [], []
    for t in range(T):
        if cell == "rnn":
            h, cache = lu.rnn_step(xs[t], h, p)
        elif cell == "gru":
            h, cache = lu.gru_step(xs[t], h, p, reset_after=reset_after)
        else:
            h, c, cache = lu.lstm_step(xs[t], h, c, p)
            cs.append(c)
        hs.append(h)
        caches.append(cache)
    grads = {k: np.zeros_like(v) for k, v in p.items()}
    dxs = np.empty_like(xs)
    dh, dc = np.zeros_like(pb["h0"]), pb.get("dc_last")
    for t in range(T - 1, -1, -1):
        if cell == "rnn":
            g, dxs[t], dh = lu.rnn_step_backward(dhs[t] + dh, caches[t])
        elif cell == "gru":
            g, dxs[t], dh = lu.gru_step_backward(dhs[t] + dh, caches[t])
        else:
            g, dxs[t], dh, dc = lu.lstm_step_backward(dhs[t] + dh, dc, caches[t])
        for k in grads:
            grads[k] = grads[k] + g[k]
    states = {"hs": np.stack(hs)}
    out = {**grads, "dxs": dxs, "dh0": dh}
    if cell == "lstm":
        states["cs"] = np.stack(cs)
        out["dc0"] = dc
    return states, out


def layouts(a):
    """The same values as ``a`` in several memory layouts: C order, Fortran order, a view with reversed strides,
    a strided view (every other row of a bigger array) and, for 3-D arrays, a fancy-indexed batch ``big[:, idx]``
    (what ``lstm_utils.train`` draws from a fixed data set)."""
    out = {"C": np.ascontiguousarray(a), "F": np.asfortranarray(a),
           "reversed-strides": np.ascontiguousarray(a.T).T}
    wide = np.repeat(a, 2, axis=-1)
    out["strided"] = wide[..., ::2]
    if a.ndim == 3:
        big = np.concatenate([a, a], axis=1)
        out["fancy"] = big[:, np.arange(a.shape[1])]
    for name, v in out.items():
        assert np.array_equal(v, a), name
    return out
