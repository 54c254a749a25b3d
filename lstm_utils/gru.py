r"""The gated recurrent unit (GRU, Cho et al. 2014), forward and backward.

Notation as in :mod:`lstm_utils.rnn`: ``T`` steps, ``B`` sequences, ``D`` input features, ``H`` hidden units;
``xs`` is (T, B, D), ``h0`` and every ``h_t`` are (B, H). Parameters: ``W_z, W_r, W_h`` of shape ``(H, H + D)`` and
``b_z, b_r, b_h`` of shape ``(H,)``.

.. math::

    z_t &= \sigma(W_z \cdot [h_{t-1}, x_t] + b_z)                 &\text{update gate}\\
    r_t &= \sigma(W_r \cdot [h_{t-1}, x_t] + b_r)                 &\text{reset gate}\\
    \tilde h_t &= \tanh(W_h \cdot [r_t * h_{t-1}, x_t] + b_h)     &\text{candidate}\\
    h_t &= (1 - z_t) * h_{t-1} + z_t * \tilde h_t                 &\text{new hidden state}

Read against the LSTM (chapter 10): :math:`1 - z_t` plays the forget gate :math:`f_t` and :math:`z_t` the input
gate :math:`i_t`, coupled so that they sum to one; there is no separate cell state and no output gate; the reset
gate decides how much of the past enters the candidate.

Two paths compute the same numbers. :func:`gru_step` / :func:`gru_step_backward` are the readable reference, one
equation per line. :func:`gru_forward` / :func:`gru_backward` are the sequence functions: ``W_z`` and ``W_r``
stacked into one ``(2H, H + D)`` matrix so both gates need one matrix product per step (the candidate needs a
second, because it reads :math:`r_t * h_{t-1}`, known only after the gates), the input projections of all steps
computed in one product before the loop, and the parameter gradients formed after the loop.

Introduced in chapter 10 (``notebooks/10_gru.ipynb``).
"""

from __future__ import annotations

import numpy as np

from ._checks import (as_real_array, check_params, check_sequence, check_shape, check_state, check_step_input,
                      compute_dtype)
from ._init import as_rng, check_sizes, gate_weight
from .activations import sigmoid

WEIGHT_KEYS = ("W_z", "W_r", "W_h")
BIAS_KEYS = ("b_z", "b_r", "b_h")


def init_gru(input_size, hidden_size, *, rng=None, update_bias=0.0, scale=None, dtype=np.float64):
    """Parameters of a GRU: weights from N(0, scale²) (default scale 1/sqrt(H + D)), biases zero except ``b_z``.

    ``b_z = update_bias`` (default 0, so :math:`z_t` starts near σ(0) = 1/2, as in PyTorch's ``nn.GRU`` up to its
    random biases). A negative value, e.g. -1, starts the cell keeping most of :math:`h_{t-1}`: with
    :math:`1 - z_t` in the role of the LSTM's forget gate, it is the analogue of the LSTM's ``forget_bias=1``.
    ``rng`` is ``None``, an integer seed or a ``numpy.random.Generator``.
    """
    D, H = check_sizes(input_size, hidden_size)
    rng = as_rng(rng)
    params = {}
    for w, b in zip(WEIGHT_KEYS, BIAS_KEYS):
        params[w] = gate_weight(rng, H, D, scale, dtype)
        params[b] = np.full(H, update_bias if b == "b_z" else 0.0, dtype=dtype)
    return params


def _gru_params(params, dtype):
    return check_params(params, list(WEIGHT_KEYS), list(BIAS_KEYS), dtype)


def gru_step(x_t, h_prev, params):
    r"""One GRU step, the four equations of the module docstring one per line.

    ``x_t``: (B, D); ``h_prev``: (B, H) or ``None`` for zeros. Returns ``(h_t, cache)``, ``h_t`` of shape (B, H).
    """
    dtype = compute_dtype(x_t)
    p, H, D = _gru_params(params, dtype)
    x_t = check_step_input(x_t, D, dtype)
    h_prev = check_state("h_prev", h_prev, x_t.shape[0], H, dtype)
    hx = np.concatenate([h_prev, x_t], axis=1)                    # [h_{t-1}, x_t], (B, H + D)
    z = sigmoid(hx @ p["W_z"].T + p["b_z"])                       # update gate
    r = sigmoid(hx @ p["W_r"].T + p["b_r"])                       # reset gate
    rhx = np.concatenate([r * h_prev, x_t], axis=1)               # [r_t * h_{t-1}, x_t]
    h_tilde = np.tanh(rhx @ p["W_h"].T + p["b_h"])                # candidate
    h_t = (1.0 - z) * h_prev + z * h_tilde
    cache = {"hx": hx, "rhx": rhx, "h_prev": h_prev, "z": z, "r": r, "h_tilde": h_tilde, "params": p}
    return h_t, cache


def gru_step_backward(dh_t, cache):
    r"""Backward of :func:`gru_step`, equation by equation. Returns ``(grads, dx_t, dh_prev)``.

    * :math:`h_t = (1 - z_t) h_{t-1} + z_t \tilde h_t` gives :math:`\delta z = \delta h\,(\tilde h_t - h_{t-1})`,
      :math:`\delta \tilde h = \delta h\, z_t` and the direct path :math:`\delta h_{t-1} = \delta h\,(1 - z_t)`;
    * the candidate, with :math:`a_h = W_h [r_t h_{t-1}, x_t] + b_h`: :math:`\delta a_h = \delta \tilde h
      (1 - \tilde h_t^2)`, :math:`\delta W_h = \delta a_h^\top [r_t h_{t-1}, x_t]`, and
      :math:`\delta a_h W_h` split into :math:`\delta(r_t h_{t-1})` and a part of :math:`\delta x_t`;
      then :math:`\delta r = \delta(r_t h_{t-1})\, h_{t-1}` and :math:`\delta h_{t-1} \mathrel{+}= \delta(r_t h_{t-1})\, r_t`;
    * the gates through :math:`\sigma' = \sigma(1 - \sigma)`: :math:`\delta a_z = \delta z\, z_t(1 - z_t)`,
      :math:`\delta a_r = \delta r\, r_t(1 - r_t)`, :math:`\delta W_g = \delta a_g^\top [h_{t-1}, x_t]` and
      :math:`\delta a_z W_z + \delta a_r W_r` split into the rest of :math:`\delta h_{t-1}` and :math:`\delta x_t`.
    """
    z, r, h_tilde, h_prev = cache["z"], cache["r"], cache["h_tilde"], cache["h_prev"]
    hx, rhx, p = cache["hx"], cache["rhx"], cache["params"]
    H = z.shape[1]
    dh_t = as_real_array("dh_t", dh_t, z.dtype)
    check_shape("dh_t", dh_t, z.shape, "B, H")

    dz = dh_t * (h_tilde - h_prev)                                # through h_t = (1 - z) h_{t-1} + z h~
    dh_tilde = dh_t * z
    dh_prev = dh_t * (1.0 - z)
    da_h = dh_tilde * (1.0 - h_tilde**2)                          # backprop through tanh
    drhx = da_h @ p["W_h"]
    drh = drhx[:, :H]                                             # gradient on r_t * h_{t-1}
    dr = drh * h_prev
    dh_prev = dh_prev + drh * r
    da_z = dz * z * (1.0 - z)                                     # backprop through sigmoid
    da_r = dr * r * (1.0 - r)
    dhx = da_z @ p["W_z"] + da_r @ p["W_r"]
    grads = {
        "W_z": da_z.T @ hx, "b_z": da_z.sum(axis=0),
        "W_r": da_r.T @ hx, "b_r": da_r.sum(axis=0),
        "W_h": da_h.T @ rhx, "b_h": da_h.sum(axis=0),
    }
    grads = {k: grads[k] for k in WEIGHT_KEYS + BIAS_KEYS}
    return grads, dhx[:, H:] + drhx[:, H:], dh_prev + dhx[:, :H]


def gru_forward(xs, h0, params):
    r"""Run the GRU over ``xs`` (T, B, D) from ``h0`` (B, H) or ``None`` for zeros.

    Returns ``(hs, cache)`` with ``hs`` of shape (T, B, H). Per step: one product ``h_{t-1} @ [W_z; W_r]_hh.T`` for
    both gates, one ``(r_t * h_{t-1}) @ W_hh.T`` for the candidate; the input halves of all three pre-activations,
    ``x_t @ [W_z; W_r; W_h]_x.T + b``, do not depend on the past and are computed for all steps before the loop.
    """
    dtype = compute_dtype(xs)
    p, H, D = _gru_params(params, dtype)
    xs = check_sequence(xs, D, dtype)
    T, B, _ = xs.shape
    h0 = check_state("h0", h0, B, H, dtype)
    W_zr_h = np.concatenate([p["W_z"][:, :H], p["W_r"][:, :H]], axis=0)     # (2H, H): both gates, recurrent half
    W_hh = p["W_h"][:, :H]                                                  # (H, H): candidate, recurrent half
    W_x = np.concatenate([p[k][:, H:] for k in WEIGHT_KEYS], axis=0)        # (3H, D): all input halves
    b = np.concatenate([p[k] for k in BIAS_KEYS])                           # (3H,)
    pre = xs @ W_x.T + b                                   # (T, B, 3H): input projections of every step
    gates = np.empty((T, B, 2 * H), dtype=dtype)           # z, r
    h_tildes = np.empty((T, B, H), dtype=dtype)
    rhs = np.empty((T, B, H), dtype=dtype)                 # r_t * h_{t-1}, read again by the backward pass
    hs = np.empty((T, B, H), dtype=dtype)
    h = h0
    for t in range(T):
        g = gates[t] = sigmoid(pre[t, :, : 2 * H] + h @ W_zr_h.T)
        z, r = g[:, :H], g[:, H:]
        rh = rhs[t] = r * h
        h_tilde = h_tildes[t] = np.tanh(pre[t, :, 2 * H :] + rh @ W_hh.T)
        h = hs[t] = h + z * (h_tilde - h)                 # = (1 - z) h_{t-1} + z h~
    cache = {"xs": xs, "h0": h0, "hs": hs, "gates": gates, "h_tildes": h_tildes, "rhs": rhs,
             "W_zr_h": W_zr_h, "W_hh": W_hh, "W_x": W_x, "H": H}
    return hs, cache


def gru_backward(dhs, cache):
    r"""Backpropagation through time for :func:`gru_forward`. Returns ``(grads, dxs, dh0)``.

    ``dhs``: (T, B, H), the loss gradient on every hidden state from outside the recurrence (zeros where the loss
    does not read :math:`h_t`). The step equations are those of :func:`gru_step_backward`. Along the direct path
    the gradient is multiplied only by :math:`1 - z_t`, as the LSTM's cell state multiplies it by :math:`f_t`.
    The loop keeps only what depends on the next step; the parameter gradients and ``dxs`` are sums or maps over
    steps, formed after it in a few large products.
    """
    xs, h0, hs, gates, h_tildes, rhs = (cache[k] for k in ("xs", "h0", "hs", "gates", "h_tildes", "rhs"))
    W_zr_h, W_hh, W_x, H = cache["W_zr_h"], cache["W_hh"], cache["W_x"], cache["H"]
    T, B, _ = hs.shape
    dhs = as_real_array("dhs", dhs, hs.dtype)
    check_shape("dhs", dhs, hs.shape, "T, B, H")
    d_pre = np.empty((T, B, 3 * H), dtype=hs.dtype)        # dL/d(pre-activations) of z, r, h~
    dh_next = np.zeros((B, H), dtype=hs.dtype)
    for t in range(T - 1, -1, -1):
        z, r = gates[t, :, :H], gates[t, :, H:]
        h_prev = hs[t - 1] if t > 0 else h0
        h_tilde = h_tildes[t]
        dh = dhs[t] + dh_next
        d = d_pre[t]
        d[:, 2 * H :] = dh * z * (1.0 - h_tilde**2)            # candidate, through tanh
        drh = d[:, 2 * H :] @ W_hh                             # gradient on r_t * h_{t-1}
        d[:, :H] = dh * (h_tilde - h_prev) * z * (1.0 - z)     # update gate, through sigmoid
        d[:, H : 2 * H] = drh * h_prev * r * (1.0 - r)         # reset gate, through sigmoid
        dh_next = dh * (1.0 - z) + drh * r + d[:, : 2 * H] @ W_zr_h
    h_prevs = np.concatenate([h0[None], hs[:-1]], axis=0)      # h_{t-1} for every t, (T, B, H)
    flat = d_pre.reshape(T * B, 3 * H)
    dW_x = flat.T @ xs.reshape(T * B, -1)                      # (3H, D): input halves of all three weights
    dW_zr_h = flat[:, : 2 * H].T @ h_prevs.reshape(T * B, H)   # (2H, H): the gates read h_{t-1}
    dW_hh = flat[:, 2 * H :].T @ rhs.reshape(T * B, H)         # (H, H): the candidate reads r_t * h_{t-1}
    db = flat.sum(axis=0)
    grads = {
        "W_z": np.concatenate([dW_zr_h[:H], dW_x[:H]], axis=1), "b_z": db[:H],
        "W_r": np.concatenate([dW_zr_h[H:], dW_x[H : 2 * H]], axis=1), "b_r": db[H : 2 * H],
        "W_h": np.concatenate([dW_hh, dW_x[2 * H :]], axis=1), "b_h": db[2 * H :],
    }
    grads = {k: grads[k] for k in WEIGHT_KEYS + BIAS_KEYS}
    return grads, d_pre @ W_x, dh_next
