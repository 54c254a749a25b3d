r"""The vanilla (Elman) recurrent network, forward and backward.

Notation (chapter 01, and the book's notation page):

* ``T`` steps, ``B`` sequences in a batch, ``D`` input features, ``H`` hidden units.
* ``xs``: inputs, shape ``(T, B, D)``, time-major; ``h0`` and every ``h_t``: shape ``(B, H)``.
* ``z_t = [h_{t-1}, x_t]``: the previous hidden state and the input, concatenated (hidden first), shape ``(B, H + D)``.
* ``W_h``: shape ``(H, H + D)``; ``b_h``: shape ``(H,)``.

Equation:

.. math:: h_t = \tanh(W_h \cdot [h_{t-1}, x_t] + b_h)

Introduced in chapter 01 (``notebooks/01_vanilla_rnn.ipynb``).
"""

from __future__ import annotations

import numpy as np

from ._checks import as_real_array, check_params, check_sequence, check_shape, check_state, check_step_input, compute_dtype
from ._init import as_rng, check_sizes, gate_weight

PARAM_KEYS = ("W_h", "b_h")


def init_rnn(input_size, hidden_size, *, rng=None, scale=None, recurrent="normal", dtype=np.float64):
    """Parameters ``{"W_h": (H, H + D), "b_h": (H,)}``; entries of ``W_h`` from N(0, scale²), ``b_h`` zero.

    ``scale`` defaults to 1/sqrt(H + D). ``rng`` is ``None``, an integer seed or a ``numpy.random.Generator``.
    ``recurrent="identity"`` then replaces the recurrent block ``W_h[:, :H]`` by the identity matrix, the start of
    Le, Jaitly & Hinton (2015): at h = 0 the step Jacobian is then the identity, so at the start of training the
    gradient neither shrinks nor grows from step to step. The input block is drawn as before from the same ``rng``,
    so the two starts differ in the recurrent block only.
    """
    D, H = check_sizes(input_size, hidden_size)
    if recurrent not in ("normal", "identity"):
        raise ValueError(f"recurrent: expected 'normal' or 'identity', got {recurrent!r}")
    rng = as_rng(rng)
    W_h = gate_weight(rng, H, D, scale, dtype)
    if recurrent == "identity":
        W_h[:, :H] = np.eye(H, dtype=dtype)
    return {"W_h": W_h, "b_h": np.zeros(H, dtype=dtype)}


def _rnn_params(params, dtype):
    return check_params(params, ["W_h"], ["b_h"], dtype)


def rnn_step(x_t, h_prev, params):
    r"""One step, :math:`h_t = \tanh(W_h \cdot [h_{t-1}, x_t] + b_h)`.

    ``x_t``: (B, D); ``h_prev``: (B, H) or ``None`` for zeros. Returns ``(h_t, cache)``, ``h_t`` of shape (B, H).
    """
    dtype = compute_dtype(x_t)
    p, H, D = _rnn_params(params, dtype)
    x_t = check_step_input(x_t, D, dtype)
    h_prev = check_state("h_prev", h_prev, x_t.shape[0], H, dtype)
    z = np.concatenate([h_prev, x_t], axis=1)            # (B, H + D)
    h_t = np.tanh(z @ p["W_h"].T + p["b_h"])             # (B, H)
    return h_t, {"z": z, "h": h_t, "params": p}


def rnn_step_backward(dh_t, cache):
    r"""Backward of :func:`rnn_step`. Returns ``(grads, dx_t, dh_prev)``.

    With :math:`a = W_h z + b_h` and :math:`\tanh' = 1 - \tanh^2`:
    :math:`\partial L/\partial a = \partial L/\partial h_t \odot (1 - h_t^2)`,
    :math:`\partial L/\partial W_h = (\partial L/\partial a)^\top z`,
    :math:`\partial L/\partial z = (\partial L/\partial a) W_h`, split into ``dh_prev`` and ``dx_t``.
    """
    h_t, z, p = cache["h"], cache["z"], cache["params"]
    dh_t = as_real_array("dh_t", dh_t, h_t.dtype)
    check_shape("dh_t", dh_t, h_t.shape, "B, H")
    H = h_t.shape[1]
    da = dh_t * (1.0 - h_t**2)                           # backprop through tanh
    dz = da @ p["W_h"]
    grads = {"W_h": da.T @ z, "b_h": da.sum(axis=0)}
    return grads, dz[:, H:], dz[:, :H]


def rnn_forward(xs, h0, params):
    r"""Run the RNN over a sequence: :math:`h_t = \tanh(W_h \cdot [h_{t-1}, x_t] + b_h)` for t = 1..T.

    ``xs``: (T, B, D); ``h0``: (B, H) or ``None`` for zeros. Returns ``(hs, cache)`` with ``hs`` of shape (T, B, H).

    Computes what :func:`rnn_step` computes, step after step, to float round-off. The input half of the product,
    ``x_t @ W_x.T + b_h`` with ``W_h = [W_hh, W_x]``, does not depend on the past, so it is computed for all steps in
    one matrix product before the loop, straight into ``hs``; each step then adds ``h_{t-1} @ W_hh.T`` and squashes
    in place, with no temporary arrays.
    """
    dtype = compute_dtype(xs)
    p, H, D = _rnn_params(params, dtype)
    xs = check_sequence(xs, D, dtype)
    T, B, _ = xs.shape
    h0 = check_state("h0", h0, B, H, dtype)
    W_hh_T = np.ascontiguousarray(p["W_h"][:, :H].T)       # (H, H): contiguous, so each step is one gemm
    hs = (xs.reshape(T * B, D) @ p["W_h"][:, H:].T).reshape(T, B, H)   # input projections of every step
    hs += p["b_h"]
    rec = np.empty((B, H), dtype=dtype)                   # scratch: the recurrent part of the pre-activation
    h = h0
    for t in range(T):
        np.matmul(h, W_hh_T, out=rec)
        hs[t] += rec
        h = np.tanh(hs[t], out=hs[t])
    return hs, {"xs": xs, "h0": h0, "hs": hs, "params": p}


def rnn_backward(dhs, cache):
    r"""Backpropagation through time for :func:`rnn_forward`. Returns ``(grads, dxs, dh0)``.

    ``dhs``: (T, B, H), the gradient of the loss with respect to every hidden state *from outside* the recurrence
    (zeros where the loss does not read :math:`h_t`). Going backwards, the total gradient on :math:`h_t` is
    ``dhs[t]`` plus what step t+1 sends back, :math:`\delta_t = (\partial L/\partial h_t) \odot (1 - h_t^2)`, and
    :math:`\partial L/\partial h_{t-1} \mathrel{+}= \delta_t W_{hh}`. Parameter and input gradients are sums over
    steps, so they are formed after the loop, each in one product.
    """
    xs, h0, hs, p = cache["xs"], cache["h0"], cache["hs"], cache["params"]
    T, B, H = hs.shape
    dhs = as_real_array("dhs", dhs, hs.dtype)
    check_shape("dhs", dhs, hs.shape, "T, B, H")
    W_hh = np.ascontiguousarray(p["W_h"][:, :H])           # (H, H)
    deltas = hs * hs                                       # tanh' = 1 - h_t², for every step at once (T, B, H)
    np.subtract(1, deltas, out=deltas)                     # ... then multiplied in place by dL/dh_t in the loop
    dh_next = np.zeros((B, H), dtype=hs.dtype)             # what step t+1 sends back to h_t
    dh = np.empty((B, H), dtype=hs.dtype)
    for t in range(T - 1, -1, -1):
        np.add(dhs[t], dh_next, out=dh)
        deltas[t] *= dh                                    # backprop through tanh
        np.matmul(deltas[t], W_hh, out=dh_next)
    flat = deltas.reshape(T * B, H)
    dW_hh = deltas[0].T @ h0                               # h_{t-1} for every t: h0, then hs[:-1]
    if T > 1:
        dW_hh += flat[B:].T @ hs[:-1].reshape((T - 1) * B, H)
    dW_h = np.concatenate([dW_hh, flat.T @ xs.reshape(T * B, -1)], axis=1)
    grads = {"W_h": dW_h, "b_h": flat.sum(axis=0)}
    return grads, (flat @ p["W_h"][:, H:]).reshape(T, B, -1), dh_next
