r"""The LSTM cell (with forget gate, Gers et al. 2000), forward and backward.

Notation as in :mod:`lstm_utils.rnn`; ``c0`` and every ``C_t`` have shape ``(B, H)`` like the hidden state.
Parameters: ``W_f, W_i, W_c, W_o`` of shape ``(H, H + D)`` and ``b_f, b_i, b_c, b_o`` of shape ``(H,)``.

.. math::

    f_t &= \sigma(W_f \cdot [h_{t-1}, x_t] + b_f), \quad
    i_t  = \sigma(W_i \cdot [h_{t-1}, x_t] + b_i), \quad
    o_t  = \sigma(W_o \cdot [h_{t-1}, x_t] + b_o)\\
    \tilde C_t &= \tanh(W_C \cdot [h_{t-1}, x_t] + b_C)\\
    C_t &= f_t * C_{t-1} + i_t * \tilde C_t, \qquad h_t = o_t * \tanh(C_t)

Two paths compute the same numbers. :func:`lstm_step` / :func:`lstm_step_backward` are the readable reference,
built from the gate functions of :mod:`lstm_utils.gates` (chapters 03-06). :func:`lstm_forward` /
:func:`lstm_backward` are the sequence functions used from chapter 07 on: the four gate weights stacked into one
``(4H, H + D)`` matrix in the order f, i, C̃, o, so each step needs one matrix product.
"""

from __future__ import annotations

import numpy as np

from ._checks import as_real_array, check_params, check_sequence, check_shape, check_state, compute_dtype
from ._init import as_rng, check_sizes, gate_weight
from .activations import sigmoid
from .gates import candidate, cell_state, forget_gate, hidden_state, input_gate, output_gate

GATES = ("f", "i", "c", "o")                        # stacking order of the fused weight
WEIGHT_KEYS = tuple(f"W_{g}" for g in GATES)
BIAS_KEYS = tuple(f"b_{g}" for g in GATES)


def init_lstm(input_size, hidden_size, *, rng=None, forget_bias=1.0, scale=None, dtype=np.float64):
    """Parameters of an LSTM: weights from N(0, scale²) (default scale 1/sqrt(H + D)), biases zero except ``b_f``.

    ``b_f = forget_bias`` (default 1, as Jozefowicz et al. 2015 recommend) starts the forget gate near
    σ(1) ≈ 0.73, so the cell keeps most of its content before training has taught it what to keep.
    """
    D, H = check_sizes(input_size, hidden_size)
    rng = as_rng(rng)
    params = {}
    for g in GATES:
        params[f"W_{g}"] = gate_weight(rng, H, D, scale, dtype)
        params[f"b_{g}"] = np.full(H, forget_bias if g == "f" else 0.0, dtype=dtype)
    return params


def _lstm_params(params, dtype):
    return check_params(params, list(WEIGHT_KEYS), list(BIAS_KEYS), dtype)


def lstm_step(x_t, h_prev, c_prev, params):
    """One LSTM step from the gate functions. ``x_t``: (B, D); ``h_prev``, ``c_prev``: (B, H) or ``None``.

    Returns ``(h_t, c_t, cache)``.
    """
    dtype = compute_dtype(x_t)
    p, H, D = _lstm_params(params, dtype)
    x_t = as_real_array("x_t", x_t, dtype)
    check_shape("x_t", x_t, (None, D), "B, D")
    h_prev = check_state("h_prev", h_prev, x_t.shape[0], H, dtype)
    c_prev = check_state("c_prev", c_prev, x_t.shape[0], H, dtype)
    f = forget_gate(h_prev, x_t, p["W_f"], p["b_f"])
    i = input_gate(h_prev, x_t, p["W_i"], p["b_i"])
    c_tilde = candidate(h_prev, x_t, p["W_c"], p["b_c"])
    o = output_gate(h_prev, x_t, p["W_o"], p["b_o"])
    c_t = cell_state(f, c_prev, i, c_tilde)
    h_t = hidden_state(o, c_t)
    cache = {"z": np.concatenate([h_prev, x_t], axis=1), "f": f, "i": i, "c_tilde": c_tilde, "o": o,
             "c_prev": c_prev, "tanh_c": np.tanh(c_t), "params": p}
    return h_t, c_t, cache


def lstm_step_backward(dh_t, dc_t, cache):
    r"""Backward of :func:`lstm_step`, gate by gate. Returns ``(grads, dx_t, dh_prev, dc_prev)``.

    ``dh_t``: gradient on :math:`h_t`; ``dc_t``: gradient on :math:`C_t` arriving from step t+1 (or ``None``).

    * :math:`h_t = o_t \tanh(C_t)` gives :math:`\delta o = \delta h \tanh C_t` and adds
      :math:`\delta h\, o_t (1 - \tanh^2 C_t)` to :math:`\delta C_t`;
    * :math:`C_t = f_t C_{t-1} + i_t \tilde C_t` gives :math:`\delta f = \delta C\, C_{t-1}`,
      :math:`\delta i = \delta C\, \tilde C_t`, :math:`\delta \tilde C = \delta C\, i_t` and
      :math:`\delta C_{t-1} = \delta C\, f_t`;
    * through the squashings :math:`\sigma' = \sigma(1-\sigma)`, :math:`\tanh' = 1 - \tanh^2`, then each
      pre-activation :math:`a_g = W_g z + b_g` gives :math:`\delta W_g = \delta a_g^\top z` and
      :math:`\delta z = \sum_g \delta a_g W_g`.
    """
    f, i, c_tilde, o = cache["f"], cache["i"], cache["c_tilde"], cache["o"]
    tanh_c, c_prev, z, p = cache["tanh_c"], cache["c_prev"], cache["z"], cache["params"]
    H = f.shape[1]
    dh_t = as_real_array("dh_t", dh_t, f.dtype)
    check_shape("dh_t", dh_t, f.shape, "B, H")
    dc_t = check_state("dc_t", dc_t, f.shape[0], H, f.dtype)

    d_o = dh_t * tanh_c                                    # through h_t = o_t * tanh(C_t)
    dc = dc_t + dh_t * o * (1.0 - tanh_c**2)
    d_f, d_i, d_c_tilde = dc * c_prev, dc * c_tilde, dc * i  # through C_t = f C_{t-1} + i C~
    d_pre = {                                              # through the squashings
        "f": d_f * f * (1.0 - f),
        "i": d_i * i * (1.0 - i),
        "c": d_c_tilde * (1.0 - c_tilde**2),
        "o": d_o * o * (1.0 - o),
    }
    grads, dz = {}, np.zeros_like(z)
    for g, da in d_pre.items():
        grads[f"W_{g}"] = da.T @ z
        grads[f"b_{g}"] = da.sum(axis=0)
        dz += da @ p[f"W_{g}"]
    grads = {k: grads[k] for k in WEIGHT_KEYS + BIAS_KEYS}
    return grads, dz[:, H:], dz[:, :H], dc * f


def fuse_params(p):
    """The four gate weights stacked in the order f, i, C̃, o: ``W`` (4H, H + D) and ``b`` (4H,)."""
    W = np.concatenate([p[k] for k in WEIGHT_KEYS], axis=0)
    b = np.concatenate([p[k] for k in BIAS_KEYS], axis=0)
    return W, b


def lstm_forward(xs, h0, c0, params):
    """Run the LSTM over ``xs`` (T, B, D) from ``h0``, ``c0`` (B, H) or ``None`` for zeros.

    Returns ``(hs, cs, cache)``, with ``hs`` and ``cs`` of shape (T, B, H): the hidden and cell state at every step.
    """
    dtype = compute_dtype(xs)
    p, H, D = _lstm_params(params, dtype)
    xs = check_sequence(xs, D, dtype)
    T, B, _ = xs.shape
    h0 = check_state("h0", h0, B, H, dtype)
    c0 = check_state("c0", c0, B, H, dtype)
    W, b = fuse_params(p)
    W_hh, W_x = W[:, :H], W[:, H:]
    pre = xs @ W_x.T + b                                   # (T, B, 4H): input projections of every step
    acts = np.empty((T, B, 4 * H), dtype=dtype)            # f, i, C~, o after their squashings
    hs = np.empty((T, B, H), dtype=dtype)
    cs = np.empty((T, B, H), dtype=dtype)
    tanh_cs = np.empty((T, B, H), dtype=dtype)
    h, c = h0, c0
    for t in range(T):
        a = pre[t] + h @ W_hh.T
        g = acts[t]
        g[:, : 2 * H] = sigmoid(a[:, : 2 * H])             # f, i
        g[:, 2 * H : 3 * H] = np.tanh(a[:, 2 * H : 3 * H])  # C~
        g[:, 3 * H :] = sigmoid(a[:, 3 * H :])             # o
        c = cs[t] = g[:, :H] * c + g[:, H : 2 * H] * g[:, 2 * H : 3 * H]
        tanh_cs[t] = np.tanh(c)
        h = hs[t] = g[:, 3 * H :] * tanh_cs[t]
    cache = {"xs": xs, "h0": h0, "c0": c0, "hs": hs, "cs": cs, "tanh_cs": tanh_cs, "acts": acts,
             "W": W, "H": H}
    return hs, cs, cache


def lstm_backward(dhs, cache, dc_last=None):
    r"""Backpropagation through time for :func:`lstm_forward`. Returns ``(grads, dxs, dh0, dc0)``.

    ``dhs``: (T, B, H), the loss gradient on every hidden state from outside the recurrence; ``dc_last``: (B, H),
    an extra gradient on the last cell state :math:`C_T` (``None`` for zero). The step equations are those of
    :func:`lstm_step_backward`; along the cell state the gradient is multiplied only by :math:`f_t`
    (:math:`\partial C_t / \partial C_{t-1} = \mathrm{diag}(f_t)` on the direct path).
    """
    xs, h0, c0, hs, cs = cache["xs"], cache["h0"], cache["c0"], cache["hs"], cache["cs"]
    tanh_cs, acts, W, H = cache["tanh_cs"], cache["acts"], cache["W"], cache["H"]
    T, B, _ = hs.shape
    dhs = as_real_array("dhs", dhs, hs.dtype)
    check_shape("dhs", dhs, hs.shape, "T, B, H")
    dc_next = check_state("dc_last", dc_last, B, H, hs.dtype).copy()
    W_hh, W_x = W[:, :H], W[:, H:]
    d_pre = np.empty_like(acts)                            # dL/d(pre-activations), (T, B, 4H)
    dh_next = np.zeros((B, H), dtype=hs.dtype)
    for t in range(T - 1, -1, -1):
        f, i, g, o = (acts[t, :, k * H : (k + 1) * H] for k in range(4))
        c_prev = cs[t - 1] if t > 0 else c0
        dh = dhs[t] + dh_next
        dc = dc_next + dh * o * (1.0 - tanh_cs[t] ** 2)
        d = d_pre[t]
        d[:, :H] = dc * c_prev * f * (1.0 - f)
        d[:, H : 2 * H] = dc * g * i * (1.0 - i)
        d[:, 2 * H : 3 * H] = dc * i * (1.0 - g**2)
        d[:, 3 * H :] = dh * tanh_cs[t] * o * (1.0 - o)
        dc_next = dc * f
        dh_next = d @ W_hh
    h_prevs = np.concatenate([h0[None], hs[:-1]], axis=0)  # h_{t-1} for every t
    flat = d_pre.reshape(T * B, 4 * H)
    dW = np.concatenate([flat.T @ h_prevs.reshape(T * B, H), flat.T @ xs.reshape(T * B, -1)], axis=1)
    db = flat.sum(axis=0)
    grads = {}
    for k, g in enumerate(GATES):
        grads[f"W_{g}"] = dW[k * H : (k + 1) * H]
        grads[f"b_{g}"] = db[k * H : (k + 1) * H]
    grads = {k: grads[k] for k in WEIGHT_KEYS + BIAS_KEYS}
    return grads, d_pre @ W_x, dh_next, dc_next
