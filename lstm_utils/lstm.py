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

from ._checks import (as_real_array, check_params, check_sequence, check_shape, check_state, check_step_input,
                      compute_dtype)
from ._init import as_rng, check_sizes, gate_weight
from .gates import candidate, cell_state, forget_gate, hidden_state, input_gate, output_gate

GATES = ("f", "i", "c", "o")                        # stacking order of the fused weight
WEIGHT_KEYS = tuple(f"W_{g}" for g in GATES)
BIAS_KEYS = tuple(f"b_{g}" for g in GATES)


def init_lstm(input_size, hidden_size, *, rng=None, forget_bias=1.0, input_bias=0.0, scale=None,
              dtype=np.float64):
    """Parameters of an LSTM: weights from N(0, scale²) (default scale 1/sqrt(H + D)), biases zero except ``b_f``.

    ``b_f = forget_bias`` (default 1, as Jozefowicz et al. 2015 recommend) starts the forget gate near
    σ(1) ≈ 0.73, so the cell keeps most of its content before training has taught it what to keep.
    ``b_i = input_bias`` (default 0) sets where the input gate starts: a negative value starts it nearly closed,
    σ(-3) ≈ 0.05, so that the cell writes little until training opens the gate (chapter 10 compares this start with
    the GRU's, whose coupled gate writes little when it keeps much).
    """
    D, H = check_sizes(input_size, hidden_size)
    rng = as_rng(rng)
    start = {"f": forget_bias, "i": input_bias}
    params = {}
    for g in GATES:
        params[f"W_{g}"] = gate_weight(rng, H, D, scale, dtype)
        params[f"b_{g}"] = np.full(H, start.get(g, 0.0), dtype=dtype)
    return params


def _lstm_params(params, dtype):
    return check_params(params, list(WEIGHT_KEYS), list(BIAS_KEYS), dtype)


def lstm_step(x_t, h_prev, c_prev, params):
    """One LSTM step from the gate functions. ``x_t``: (B, D); ``h_prev``, ``c_prev``: (B, H) or ``None``.

    Returns ``(h_t, c_t, cache)``.
    """
    dtype = compute_dtype(x_t)
    p, H, D = _lstm_params(params, dtype)
    x_t = check_step_input(x_t, D, dtype)
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


# The fast path squashes all four gates with ONE tanh call per step, through the identity
#     σ(x) = (1 + tanh(x/2)) / 2,
# which is exact in real arithmetic and, unlike 1/(1 + e^{-x}), never overflows. Per column block of the fused
# pre-activation, s = 1/2 for the sigmoid gates f, i, o and s = 1 for the candidate C̃, so every gate is
#     gate = s * tanh(s * a) + (1 - s).
# The inner factor s is folded into the weights and bias once; multiplying by 1/2 only changes the exponent, so
# the scaled product equals half the unscaled one exactly (barring underflow).
def _gate_scale(H, dtype):
    """The per-column factor ``s`` of the fused pre-activation (4H,): 1/2 for f, i, o and 1 for C̃."""
    return np.repeat(np.array([0.5, 0.5, 1.0, 0.5], dtype=dtype), H)


def _squash_gates(a, s, one_minus_s):
    """In place on the pre-activations ``a`` (…, 4H), already multiplied by ``s``: σ on f, i, o and tanh on C̃."""
    np.tanh(a, out=a)
    a *= s
    a += one_minus_s
    return a


def lstm_forward(xs, h0, c0, params):
    r"""Run the LSTM over ``xs`` (T, B, D) from ``h0``, ``c0`` (B, H) or ``None`` for zeros.

    Returns ``(hs, cs, cache)``, with ``hs`` and ``cs`` of shape (T, B, H): the hidden and cell state at every step.

    Computes what :func:`lstm_step` computes, step after step, to float round-off; it is organised for speed:
    the input projections :math:`W_x x_t + b` of all steps in one matrix product before the loop, then per step
    one product :math:`h_{t-1} W_{hh}^\top` for all four gates, one ``tanh`` for all four squashings
    (σ(x) = (1 + tanh(x/2))/2), and in-place updates of preallocated arrays (no temporaries in the loop).
    """
    dtype = compute_dtype(xs)
    p, H, D = _lstm_params(params, dtype)
    xs = check_sequence(xs, D, dtype)
    T, B, _ = xs.shape
    h0 = check_state("h0", h0, B, H, dtype)
    c0 = check_state("c0", c0, B, H, dtype)
    W, b = fuse_params(p)
    s = _gate_scale(H, dtype)
    one_minus_s = 1 - s
    Ws = W * s[:, None]                                     # (4H, H + D), rows pre-multiplied by s
    W_hh_T = np.ascontiguousarray(Ws[:, :H].T)              # (H, 4H): contiguous, so each step's product is one gemm
    # acts starts as the input projections of every step (one product over all T*B rows) and is turned, step by
    # step and in place, into the gate values f, i, C~, o.
    acts = (xs.reshape(T * B, D) @ Ws[:, H:].T).reshape(T, B, 4 * H)
    acts += b * s                                           # in place: no second (T, B, 4H) array
    hs = np.empty((T, B, H), dtype=dtype)
    cs = np.empty((T, B, H), dtype=dtype)
    tanh_cs = np.empty((T, B, H), dtype=dtype)
    f, i, g, o = (acts.reshape(T, B, 4, H)[:, :, k] for k in range(4))   # (T, B, H) views, one per gate
    rec = np.empty((B, 4 * H), dtype=dtype)                 # scratch: the recurrent part of the pre-activation
    ig = np.empty((B, H), dtype=dtype)                      # scratch: i_t * C~_t
    h, c = h0, c0
    for t in range(T):
        np.matmul(h, W_hh_T, out=rec)
        acts[t] += rec
        _squash_gates(acts[t], s, one_minus_s)
        np.multiply(f[t], c, out=cs[t])                     # C_t = f_t * C_{t-1} + i_t * C~_t
        np.multiply(i[t], g[t], out=ig)
        cs[t] += ig
        np.tanh(cs[t], out=tanh_cs[t])                      # h_t = o_t * tanh(C_t)
        np.multiply(o[t], tanh_cs[t], out=hs[t])
        h, c = hs[t], cs[t]
    cache = {"xs": xs, "h0": h0, "c0": c0, "hs": hs, "cs": cs, "tanh_cs": tanh_cs, "acts": acts,
             "W": W, "H": H}
    return hs, cs, cache


# The backward pass runs through the steps a block at a time, last block first. Per block it forms the factors
# that depend on the forward pass only (_local_derivatives), vectorised over the block's steps, then runs the
# step loop, then adds the block's share of the weight and input gradients in one product each. A block is small
# enough that its arrays stay in the CPU cache and are reused from block to block (one pass over all T steps at
# once would stream, and allocate, tens of MB at the larger sizes), and large enough that numpy's per-call
# overhead is paid once per block rather than once per step.
_BLOCK_BYTES = 1 << 21


def _block_steps(B, H, itemsize):
    """Steps per block: about ``_BLOCK_BYTES`` of factors and forward values (11 arrays of (B, H) per step)."""
    return max(1, _BLOCK_BYTES // (11 * B * H * itemsize))


def _local_derivatives(cache, lo, hi):
    r"""The factors of the backward step that depend on the forward pass only, for steps ``lo`` to ``hi - 1``.

    Returns ``L`` (hi - lo, B, 4H) and ``K`` (hi - lo, B, H) such that, with :math:`\delta h_t`, :math:`\delta C_t`
    the total gradients on :math:`h_t` and :math:`C_t`, the gradient on the pre-activations of step t is
    :math:`[\delta C_t L_f, \delta C_t L_i, \delta C_t L_{\tilde C}, \delta h_t L_o]`, and :math:`\delta C_t`
    receives :math:`\delta h_t K` through :math:`h_t = o_t \tanh(C_t)`:

    * :math:`L_f = C_{t-1} f (1-f)`, :math:`L_i = \tilde C\, i (1-i)`, :math:`L_{\tilde C} = i (1 - \tilde C^2)`,
      :math:`L_o = \tanh(C_t)\, o (1-o)`, and :math:`K = o (1 - \tanh^2 C_t)`.
    """
    acts, tanh_c, cs, c0, H = cache["acts"][lo:hi], cache["tanh_cs"][lo:hi], cache["cs"], cache["c0"], cache["H"]
    n, B, _ = acts.shape
    f, i, g, o = (acts.reshape(n, B, 4, H)[:, :, k] for k in range(4))
    c_prev = cs[lo - 1 : hi - 1] if lo > 0 else np.concatenate([c0[None], cs[: hi - 1]])   # C_{t-1}
    L = 1 - acts
    L *= acts                                               # σ' = σ(1 - σ) on the f, i, o blocks
    Lf, Li, Lg, Lo = (L.reshape(n, B, 4, H)[:, :, k] for k in range(4))
    Lf *= c_prev
    Li *= g
    np.multiply(g, g, out=Lg)                               # tanh' = 1 - C~² on the candidate block
    np.subtract(1, Lg, out=Lg)
    Lg *= i
    Lo *= tanh_c
    K = tanh_c * tanh_c
    np.subtract(1, K, out=K)
    K *= o
    return L, K


def lstm_backward(dhs, cache, dc_last=None):
    r"""Backpropagation through time for :func:`lstm_forward`. Returns ``(grads, dxs, dh0, dc0)``.

    ``dhs``: (T, B, H), the loss gradient on every hidden state from outside the recurrence; ``dc_last``: (B, H),
    an extra gradient on the last cell state :math:`C_T` (``None`` for zero). The step equations are those of
    :func:`lstm_step_backward`; along the cell state the gradient is multiplied only by :math:`f_t`
    (:math:`\partial C_t / \partial C_{t-1} = \mathrm{diag}(f_t)` on the direct path).

    For speed, the steps are taken a block at a time (see ``_BLOCK_BYTES``): the factors that depend on the forward
    pass only are formed for the whole block (:func:`_local_derivatives`), so the loop carries only :math:`\delta h`
    and :math:`\delta C`, with one matrix product per step; the weight and input gradients, sums over steps, get
    the block's share in one product each.
    """
    xs, h0, hs, acts, W, H = cache["xs"], cache["h0"], cache["hs"], cache["acts"], cache["W"], cache["H"]
    T, B, D = xs.shape
    dtype = hs.dtype
    dhs = as_real_array("dhs", dhs, dtype)
    check_shape("dhs", dhs, hs.shape, "T, B, H")
    dc = check_state("dc_last", dc_last, B, H, dtype).copy()   # δC_t, updated in place going back
    W_hh = np.ascontiguousarray(W[:, :H])                   # (4H, H)
    W_x = np.ascontiguousarray(W[:, H:])                    # (4H, D)
    f = acts.reshape(T, B, 4, H)[:, :, 0]                   # (T, B, H) view: the forget gates
    dW_hh = np.zeros((4 * H, H), dtype=dtype)               # sums over steps, one block added at a time
    dW_x = np.zeros((4 * H, D), dtype=dtype)
    db = np.zeros(4 * H, dtype=dtype)
    dxs = np.empty_like(xs)
    dh = np.empty((B, H), dtype=dtype)                      # δh_t
    dh_next = np.zeros((B, H), dtype=dtype)                 # what step t+1 sends back to h_t
    tmp = np.empty((B, H), dtype=dtype)
    dc_b = dc[:, None, :]                                   # (B, 1, H) view of dc, broadcast over 3 gate blocks
    n = min(T, _block_steps(B, H, dtype.itemsize))
    d_buf = np.empty((n, B, 4 * H), dtype=dtype)            # δ(pre-activations) of one block, order f, i, C~, o
    for lo in range((T - 1) // n * n, -1, -n):              # blocks of steps, last block first
        hi = min(lo + n, T)
        L, K = _local_derivatives(cache, lo, hi)
        L_fig, L_o = L.reshape(hi - lo, B, 4, H)[:, :, :3], L.reshape(hi - lo, B, 4, H)[:, :, 3]
        d_pre = d_buf[: hi - lo]
        d_fig, d_o = d_pre.reshape(hi - lo, B, 4, H)[:, :, :3], d_pre.reshape(hi - lo, B, 4, H)[:, :, 3]
        for t in range(hi - 1, lo - 1, -1):
            k = t - lo
            np.add(dhs[t], dh_next, out=dh)
            np.multiply(dh, K[k], out=tmp)                  # through h_t = o_t * tanh(C_t)
            dc += tmp
            np.multiply(L_fig[k], dc_b, out=d_fig[k])       # δC_t times the f, i, C~ factors
            np.multiply(L_o[k], dh, out=d_o[k])             # δh_t times the o factor
            dc *= f[t]                                      # δC_{t-1} = δC_t * f_t
            np.matmul(d_pre[k], W_hh, out=dh_next)          # δh_{t-1} from the four gates of step t
        # the block's share of the sums over steps: δW = Σ_t δa_tᵀ [h_{t-1}, x_t], δb = Σ_t δa_t; and δx_t = δa_t W_x
        d_flat = d_pre.reshape((hi - lo) * B, 4 * H)
        h_prev = hs[lo - 1 : hi - 1] if lo > 0 else np.concatenate([h0[None], hs[: hi - 1]])
        dW_hh += d_flat.T @ h_prev.reshape((hi - lo) * B, H)
        dW_x += d_flat.T @ xs[lo:hi].reshape((hi - lo) * B, D)
        db += d_flat.sum(axis=0)
        np.matmul(d_flat, W_x, out=dxs[lo:hi].reshape((hi - lo) * B, D))
    dW = np.concatenate([dW_hh, dW_x], axis=1)
    grads = {}
    for k, g in enumerate(GATES):
        grads[f"W_{g}"] = dW[k * H : (k + 1) * H]
        grads[f"b_{g}"] = db[k * H : (k + 1) * H]
    grads = {k: grads[k] for k in WEIGHT_KEYS + BIAS_KEYS}
    return grads, dxs, dh_next, dc
