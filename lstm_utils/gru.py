r"""The gated recurrent unit (GRU), forward and backward, in two placements of the reset gate.

Notation as in :mod:`lstm_utils.rnn`: ``T`` steps, ``B`` sequences, ``D`` input features, ``H`` hidden units;
``xs`` is (T, B, D), ``h0`` and every ``h_t`` are (B, H). Parameters: ``W_z, W_r, W_h`` of shape ``(H, H + D)``
(the first ``H`` columns read :math:`h_{t-1}`, the last ``D`` read :math:`x_t`) and ``b_z, b_r, b_h`` of shape
``(H,)``.

Equations, in the book's notation:

.. math::

    z_t &= \sigma(W_z \cdot [h_{t-1}, x_t] + b_z)                 &\text{update gate}\\
    r_t &= \sigma(W_r \cdot [h_{t-1}, x_t] + b_r)                 &\text{reset gate}\\
    \tilde h_t &= \tanh(W_{\tilde h} \cdot [r_t \odot h_{t-1}, x_t] + b_{\tilde h})&\text{candidate}\\
    h_t &= (1 - z_t) \odot h_{t-1} + z_t \odot \tilde h_t           &\text{new hidden state}

This is the form of Chung et al. (2014). Cho et al. (2014), who introduced the cell, and PyTorch's ``nn.GRU`` put
the update gate on the old state instead, :math:`h_t = z_t h_{t-1} + (1 - z_t) \tilde h_t`: the same cell with
:math:`z_t` replaced by :math:`1 - z_t`, that is with ``W_z`` and ``b_z`` negated. So the bias that starts the cell
*remembering* (keeping most of :math:`h_{t-1}`) is negative here (``b_z = -1``: :math:`z_t \approx 0.27`) and
positive in PyTorch's convention (:math:`b_{iz} + b_{hz} = +1`).

``reset_after=True`` applies the reset gate after the matrix product, as PyTorch (and cuDNN) do:

.. math:: \tilde h_t = \tanh(W_{\tilde h}[:, H:]\, x_t + b_{\tilde h} + r_t \odot (W_{\tilde h}[:, :H]\, h_{t-1})),

with :math:`W_{\tilde h}` the weight stored as ``W_h`` (and :math:`b_{\tilde h}` as ``b_h``). It is PyTorch's
candidate with its :math:`b_{hn} = 0` (our one bias ``b_h`` is outside the reset gate). The two placements are
different functions of the same parameters; :func:`~lstm_utils.to_torch_gru` maps ours onto ``nn.GRU``, which then
computes ``gru_forward(..., reset_after=True)``.

Read against the LSTM (chapter 10): :math:`1 - z_t` plays the forget gate :math:`f_t` and :math:`z_t` the input
gate :math:`i_t`, coupled so that they sum to one; there is no separate cell state and no output gate; the reset
gate decides how much of the past enters the candidate.

Code: :func:`gru_step` and :func:`gru_step_backward` are chapter 10's equations, unfused, one line each.
:func:`gru_forward` / :func:`gru_backward` compute the same numbers on a private, fused path: the input halves of
all three weights stacked into one ``(3H, D)`` matrix and applied to all steps in one product, then a loop over the
private :func:`_step` (``W_z`` and ``W_r`` read :math:`h_{t-1}` in one product) and back over
:func:`_step_backward`. The caches hold the same named values (:data:`STEP_KEYS`): one step's in the step cache,
every step's (stacked on a leading T axis) in the sequence cache. Every public function checks its arguments once
(:mod:`lstm_utils._checks`), then computes.

Introduced in chapter 10 (``notebooks/10_gru.ipynb``).
"""

from __future__ import annotations

import numpy as np

from ._checks import (
    as_rng,
    cell_keys,
    cell_params,
    check_bias,
    check_cache,
    check_gradient,
    check_sequence,
    check_sizes,
    check_state,
    check_step_input,
    compute_dtype,
    flag,
    gate_weight,
)
from .activations import sigmoid

WEIGHT_KEYS, BIAS_KEYS = cell_keys("gru")      # ("W_z", "W_r", "W_h"), ("b_z", "b_r", "b_h")
STEP_KEYS = ("x", "h_prev", "z", "r", "h_tilde")
"""The per-step values in both caches. Each cache also holds the reset part of the candidate, under one of two
names: ``"r_h"``, :math:`r_t \\odot h_{t-1}` (the default placement), or, with ``reset_after``, ``"Wh_h"``,
:math:`W_{\tilde h}[:, :H]\\, h_{t-1}` (what the reset gate multiplies)."""


def _reset_key(reset_after):
    """The cache's name for the reset part of the candidate (see :data:`STEP_KEYS`)."""
    return "Wh_h" if reset_after else "r_h"


def init_gru(input_size, hidden_size, *, rng=None, update_bias=0.0, scale=None, dtype=np.float64):
    """Parameters of a GRU: weights from N(0, scale²) (default scale 1/sqrt(H + D)), biases zero except ``b_z``.

    Parameters
    ----------
    input_size, hidden_size : int
        ``D`` and ``H``, positive.
    rng : None, int or numpy.random.Generator
        The source of the random weights (``None``: fresh entropy).
    update_bias : float
        ``b_z``. The default 0 starts :math:`z_t` near σ(0) = 1/2, as PyTorch's ``nn.GRU`` up to its random
        biases. A negative value, e.g. -1, starts the cell keeping most of :math:`h_{t-1}`: with :math:`1 - z_t` in
        the role of the LSTM's forget gate, it is the analogue of the LSTM's ``forget_bias=1`` (in PyTorch's
        convention the same start is a bias of +1, see the module docstring).
    scale : float, optional
        Standard deviation of the weights' entries.
    dtype : numpy dtype

    Returns
    -------
    dict
        ``W_z, b_z, W_r, b_r, W_h, b_h``: weights (H, H + D), biases (H,).
    """
    D, H = check_sizes(input_size, hidden_size)
    update_bias = check_bias("update_bias", update_bias)
    rng = as_rng(rng)
    params = {}
    for w, b in zip(WEIGHT_KEYS, BIAS_KEYS, strict=True):
        params[w] = gate_weight(rng, H, D, scale, dtype)
        params[b] = np.full(H, update_bias if b == "b_z" else 0.0, dtype=dtype)
    return params


def _gru_params(params, dtype):
    return cell_params(params, "gru", dtype)


def _check_reset_after(reset_after):
    return flag("reset_after", reset_after)


def _fuse(p, H):
    """The weights stacked in the order z, r, h: ``W_x`` (3H, D) reads :math:`x_t`, ``W_hh`` (3H, H) reads
    :math:`h_{t-1}`, ``b`` (3H,)."""
    W_x = np.concatenate([p[k][:, H:] for k in WEIGHT_KEYS], axis=0)
    W_hh = np.concatenate([p[k][:, :H] for k in WEIGHT_KEYS], axis=0)
    b = np.concatenate([p[k] for k in BIAS_KEYS])
    # C order whatever the parameters' layout (concatenating Fortran-ordered blocks gives a Fortran-ordered array,
    # whose row blocks would take another BLAS path and round differently)
    return np.ascontiguousarray(W_x), np.ascontiguousarray(W_hh), b


# ----------------------------------------------------------------------------------------------------------------
# The fused path of the sequence functions (private). Unvalidated; the public functions validate once.
# ----------------------------------------------------------------------------------------------------------------
def _step(a_x, h_prev, W_hh, reset_after):
    """One step from the input projection ``a_x = x_t W_x^T + b`` (B, 3H) and :math:`h_{t-1}` (B, H).

    Returns :math:`h_t` and the step's values ``z, r, h_tilde`` and ``Wh_h`` or ``r_h`` (see :data:`STEP_KEYS`).
    """
    H = h_prev.shape[1]
    if reset_after:
        a_h = h_prev @ W_hh.T                                  # (B, 3H): the recurrent parts, one product
        s = sigmoid(a_x[:, : 2 * H] + a_h[:, : 2 * H])         # both gates in one call
        z, r = s[:, :H], s[:, H:]                              # update gate, reset gate
        n = a_h[:, 2 * H :]                                    # W_h~[:, :H] h_{t-1}, then reset
        h_tilde = np.tanh(a_x[:, 2 * H :] + r * n)             # candidate
    else:
        s = sigmoid(a_x[:, : 2 * H] + h_prev @ W_hh[: 2 * H].T)
        z, r = s[:, :H], s[:, H:]                              # update gate, reset gate
        n = r * h_prev                                         # reset, then W_h~[:, :H] (r_t ⊙ h_{t-1})
        h_tilde = np.tanh(a_x[:, 2 * H :] + n @ W_hh[2 * H :].T)   # candidate
    h_t = (1.0 - z) * h_prev + z * h_tilde                     # new hidden state
    return h_t, {"z": z, "r": r, "h_tilde": h_tilde, _reset_key(reset_after): n}


def _step_backward(dh_t, s, W_hh, reset_after):
    r"""Backward of :func:`_step` for the step values ``s``: the gradients on the pre-activations ``da`` (B, 3H)
    (order z, r, h), on what the candidate's recurrent weight multiplies (``dn``) and on :math:`h_{t-1}`."""
    H = dh_t.shape[1]
    z, r, h_tilde, n, h_prev = s["z"], s["r"], s["h_tilde"], s[_reset_key(reset_after)], s["h_prev"]
    dz = dh_t * (h_tilde - h_prev)                             # through h_t = (1 - z) h_{t-1} + z h~
    dh_tilde = dh_t * z
    dh_prev = dh_t * (1.0 - z)                                 # the direct path
    da_h = dh_tilde * (1.0 - h_tilde**2)                       # through tanh: tanh' = 1 - tanh²
    if reset_after:
        dr = da_h * n                                          # through r_t ⊙ (W_h~[:, :H] h_{t-1})
        dn = da_h * r                                          # gradient on W_h~[:, :H] h_{t-1}
        dh_prev = dh_prev + dn @ W_hh[2 * H :]
    else:
        drh = da_h @ W_hh[2 * H :]                             # gradient on r_t ⊙ h_{t-1}
        dr = drh * h_prev
        dh_prev = dh_prev + drh * r
        dn = da_h                                              # W_h~[:, :H]'s gradient is da_h^T (r_t ⊙ h_{t-1})
    da_z = dz * z * (1.0 - z)                                  # through sigmoid: σ' = σ(1 - σ)
    da_r = dr * r * (1.0 - r)
    da = np.concatenate([da_z, da_r, da_h], axis=1)            # (B, 3H), order z, r, h
    dh_prev = dh_prev + np.concatenate([da_z, da_r], axis=1) @ W_hh[: 2 * H]
    return da, dn, dh_prev


def _gradients(da, dn, cache, W_x, reset_after):
    """Parameter and input gradients from the pre-activation gradients of every step, ``da`` (T, B, 3H), and
    ``dn`` (T, B, H): sums over steps, each one matrix product."""
    x, h_prev, n = cache["x"], cache["h_prev"], cache[_reset_key(reset_after)]
    T, B, H3 = da.shape
    H = H3 // 3
    da2 = da.reshape(T * B, H3)
    dW_x = da2.T @ x.reshape(T * B, -1)                        # (3H, D): every weight's input block
    dW_zr_h = da2[:, : 2 * H].T @ h_prev.reshape(T * B, H)     # (2H, H): the gates read h_{t-1}
    if reset_after:
        dW_hh = dn.reshape(T * B, H).T @ h_prev.reshape(T * B, H)   # W_h~[:, :H] reads h_{t-1}
    else:
        dW_hh = da2[:, 2 * H :].T @ n.reshape(T * B, H)             # W_h~[:, :H] reads r_t ⊙ h_{t-1}
    dW_h = np.concatenate([dW_zr_h, dW_hh], axis=0)            # (3H, H)
    db = da2.sum(axis=0)
    grads = {}
    for k, (w, b) in enumerate(zip(WEIGHT_KEYS, BIAS_KEYS, strict=True)):
        rows = slice(k * H, (k + 1) * H)
        grads[w] = np.concatenate([dW_h[rows], dW_x[rows]], axis=1)
        grads[b] = db[rows]
    dxs = (da2 @ W_x).reshape(T, B, -1)
    return grads, dxs


# ----------------------------------------------------------------------------------------------------------------
# Public functions
# ----------------------------------------------------------------------------------------------------------------
def gru_step(x_t, h_prev, params, *, reset_after=False):
    r"""One GRU step: chapter 10's four equations, unfused, one line each.

    Parameters
    ----------
    x_t : array (B, D)
        The input of the step.
    h_prev : array (B, H) or None
        :math:`h_{t-1}`; ``None`` means zeros.
    params : dict
        ``W_z, W_r, W_h`` (H, H + D) and ``b_z, b_r, b_h`` (H,), as from :func:`init_gru`.
    reset_after : bool
        Apply the reset gate after the candidate's matrix product (PyTorch's placement).

    Returns
    -------
    h_t : array (B, H)
    cache : dict
        For :func:`gru_step_backward`: ``x`` (B, D), ``h_prev``, ``z``, ``r``, ``h_tilde`` and ``r_h`` (or, with
        ``reset_after``, ``Wh_h``), each (B, H); the validated ``params`` and ``reset_after``.

    Equations
    ---------
    :math:`z_t = \sigma(W_z [h_{t-1}, x_t] + b_z)`, :math:`r_t = \sigma(W_r [h_{t-1}, x_t] + b_r)`,
    :math:`\tilde h_t = \tanh(W_{\tilde h} [r_t \odot h_{t-1}, x_t] + b_{\tilde h})` (with ``reset_after``:
    :math:`\tanh(W_{\tilde h}[:, H:] x_t + b_{\tilde h} + r_t \odot (W_{\tilde h}[:, :H] h_{t-1}))`),
    :math:`h_t = (1 - z_t) \odot h_{t-1} + z_t \odot \tilde h_t`.
    """
    reset_after = _check_reset_after(reset_after)
    dtype = compute_dtype(x_t)
    p, H, D = _gru_params(params, dtype)
    x_t = check_step_input(x_t, D, dtype)
    h_prev = check_state("h_prev", h_prev, x_t.shape[0], H, dtype)
    W_h, b_h = p["W_h"], p["b_h"]
    hx = np.concatenate([h_prev, x_t], axis=1)                 # [h_{t-1}, x_t]
    z = sigmoid(hx @ p["W_z"].T + p["b_z"])                    # update gate
    r = sigmoid(hx @ p["W_r"].T + p["b_r"])                    # reset gate
    if reset_after:
        reset = h_prev @ W_h[:, :H].T                          # W_h~[:, :H] h_{t-1}, reset after the product
        h_tilde = np.tanh(x_t @ W_h[:, H:].T + b_h + r * reset)    # candidate
    else:
        reset = r * h_prev                                     # r_t ⊙ h_{t-1}, reset before the product
        h_tilde = np.tanh(np.concatenate([reset, x_t], axis=1) @ W_h.T + b_h)   # candidate
    h_t = (1.0 - z) * h_prev + z * h_tilde                     # new hidden state
    cache = {"x": x_t, "h_prev": h_prev, "z": z, "r": r, "h_tilde": h_tilde, _reset_key(reset_after): reset,
             "params": p, "reset_after": reset_after, "made_by": "gru_step"}
    return h_t, cache


def gru_step_backward(dh_t, cache):
    r"""Backward of :func:`gru_step`, equation by equation.

    Parameters
    ----------
    dh_t : array (B, H)
        :math:`\partial L / \partial h_t`.
    cache : dict
        The cache returned by :func:`gru_step`.

    Returns
    -------
    grads : dict
        ``W_z, b_z, W_r, b_r, W_h, b_h``, shapes as the parameters.
    dx_t : array (B, D)
    dh_prev : array (B, H)

    Equations
    ---------
    * :math:`h_t = (1 - z_t) h_{t-1} + z_t \tilde h_t` gives :math:`\delta z = \delta h\,(\tilde h_t - h_{t-1})`,
      :math:`\delta \tilde h = \delta h\, z_t` and the direct path :math:`\delta h_{t-1} = \delta h\,(1 - z_t)`;
    * the candidate, with :math:`a_h` its pre-activation: :math:`\delta a_h = \delta \tilde h (1 - \tilde h_t^2)`,
      :math:`\delta W_h = \delta a_h^\top [r_t h_{t-1}, x_t]`, and :math:`\delta a_h W_h` split into
      :math:`\delta(r_t h_{t-1})` and a part of :math:`\delta x_t`; then
      :math:`\delta r = \delta(r_t h_{t-1})\, h_{t-1}` and :math:`\delta h_{t-1} \mathrel{+}= \delta(r_t h_{t-1})\, r_t`
      (with ``reset_after``: :math:`\delta r = \delta a_h\, W_{\tilde h}[:, :H]\, h_{t-1}` and
      :math:`\delta h_{t-1} \mathrel{+}= (\delta a_h\, r_t) W_{\tilde h}[:, :H]`);
    * the gates through :math:`\sigma' = \sigma(1 - \sigma)`: :math:`\delta a_z = \delta z\, z_t(1 - z_t)`,
      :math:`\delta a_r = \delta r\, r_t(1 - r_t)`, :math:`\delta W_g = \delta a_g^\top [h_{t-1}, x_t]` and
      :math:`\delta a_z W_z + \delta a_r W_r` split into the rest of :math:`\delta h_{t-1}` and :math:`\delta x_t`.
    """
    cache = check_cache(cache, "gru_step")
    p, reset_after = cache["params"], cache["reset_after"]
    z, r, h_tilde, h_prev, x = (cache[k] for k in ("z", "r", "h_tilde", "h_prev", "x"))
    H = z.shape[1]
    dh_t = check_gradient("dh_t", dh_t, z.shape, "B, H", z.dtype)
    W_h = p["W_h"]
    # h_t = (1 - z_t) ⊙ h_{t-1} + z_t ⊙ h~_t
    dz = dh_t * (h_tilde - h_prev)
    dh_tilde = dh_t * z
    dh_prev = dh_t * (1.0 - z)                                 # the direct path
    # h~_t = tanh(a_h): tanh' = 1 - tanh²
    da_h = dh_tilde * (1.0 - h_tilde**2)
    if reset_after:                            # a_h = W_h~[:, H:] x_t + b_h~ + r_t ⊙ (W_h~[:, :H] h_{t-1})
        dr = da_h * cache["Wh_h"]
        d_Wh_h = da_h * r
        dh_prev = dh_prev + d_Wh_h @ W_h[:, :H]
        dx = da_h @ W_h[:, H:]
        dW_h = np.concatenate([d_Wh_h.T @ h_prev, da_h.T @ x], axis=1)
    else:                                                      # a_h = W_h~ · [r_t ⊙ h_{t-1}, x_t] + b_h~
        d_rhx = da_h @ W_h                                     # δ[r_t ⊙ h_{t-1}, x_t]
        dr = d_rhx[:, :H] * h_prev
        dh_prev = dh_prev + d_rhx[:, :H] * r
        dx = d_rhx[:, H:]
        dW_h = da_h.T @ np.concatenate([cache["r_h"], x], axis=1)
    # z_t = σ(a_z), r_t = σ(a_r): σ' = σ(1 - σ); a_g = W_g · [h_{t-1}, x_t] + b_g
    da_z = dz * z * (1.0 - z)
    da_r = dr * r * (1.0 - r)
    hx = np.concatenate([h_prev, x], axis=1)
    d_hx = da_z @ p["W_z"] + da_r @ p["W_r"]                   # δ[h_{t-1}, x_t] through both gates
    grads = {"W_z": da_z.T @ hx, "b_z": da_z.sum(axis=0), "W_r": da_r.T @ hx, "b_r": da_r.sum(axis=0),
             "W_h": dW_h, "b_h": da_h.sum(axis=0)}
    return grads, dx + d_hx[:, H:], dh_prev + d_hx[:, :H]


def gru_forward(xs, h0, params, *, reset_after=False):
    r"""Run the GRU over a sequence: the equations of :func:`gru_step` for t = 1..T, on the fused path.

    Parameters
    ----------
    xs : array (T, B, D)
        The inputs, time-major. Integer and boolean arrays are converted to float64; float32 data is computed in
        float32 (the parameters are cast to it).
    h0 : array (B, H) or None
        The initial state; ``None`` means zeros.
    params : dict
        ``W_z, W_r, W_h`` (H, H + D) and ``b_z, b_r, b_h`` (H,), as from :func:`init_gru`.
    reset_after : bool
        Apply the reset gate after the candidate's matrix product (PyTorch's placement).

    Returns
    -------
    hs : array (T, B, H)
        :math:`h_1, \dots, h_T`.
    cache : dict
        For :func:`gru_backward`: the step values of :func:`gru_step` for every step, stacked, ``x`` (T, B, D)
        (the same array as ``xs``), ``h_prev``, ``z``, ``r``, ``h_tilde`` and ``r_h`` (or ``Wh_h``), (T, B, H);
        also ``xs``, ``h0``, ``hs``, the validated ``params`` and ``reset_after``. ``h_prev`` and ``hs`` are views
        of one array of the states :math:`h_0..h_T`: the returned ``hs`` is the cache's own array, so writing into
        it changes what :func:`gru_backward` computes.

    Equations
    ---------
    For t = 1..T, with :math:`h_0` = ``h0``:

    .. math::

        z_t = \sigma(W_z [h_{t-1}, x_t] + b_z), \quad r_t = \sigma(W_r [h_{t-1}, x_t] + b_r),\\
        \tilde h_t = \tanh(W_{\tilde h} [r_t \odot h_{t-1}, x_t] + b_{\tilde h}), \quad
        h_t = (1 - z_t) \odot h_{t-1} + z_t \odot \tilde h_t,

    and with ``reset_after``
    :math:`\tilde h_t = \tanh(W_{\tilde h}[:, H:]\, x_t + b_{\tilde h} + r_t \odot (W_{\tilde h}[:, :H]\, h_{t-1}))`.
    The input halves :math:`W_g[:, H:]\, x_t + b_g` do not depend on the past and are computed for all steps in one
    product before the loop; each step then multiplies :math:`h_{t-1}` by the recurrent halves.
    """
    reset_after = _check_reset_after(reset_after)
    dtype = compute_dtype(xs)
    p, H, D = _gru_params(params, dtype)
    xs = check_sequence(xs, D, dtype)
    T, B, _ = xs.shape
    h0 = check_state("h0", h0, B, H, dtype)
    W_x, W_hh, b = _fuse(p, H)
    a_xs = xs @ W_x.T + b                                      # (T, B, 3H): the input projections of all steps
    hs = np.empty((T + 1, B, H), dtype=dtype)                 # h_0..h_T, filled step by step
    hs[0] = h0
    cache = {k: np.empty((T, B, H), dtype=dtype) for k in (*STEP_KEYS[2:], _reset_key(reset_after))}
    for t in range(T):
        h, s = _step(a_xs[t], hs[t], W_hh, reset_after)
        hs[t + 1] = h
        for k, v in s.items():
            cache[k][t] = v
    cache.update(x=xs, h_prev=hs[:-1], xs=xs, h0=h0, hs=hs[1:], params=p, reset_after=reset_after,
                 made_by="gru_forward")
    hs = hs[1:]
    return hs, cache


def gru_backward(dhs, cache):
    r"""Backpropagation through time for :func:`gru_forward`.

    Parameters
    ----------
    dhs : array (T, B, H)
        The loss gradient on every hidden state from outside the recurrence (zeros where the loss does not read
        :math:`h_t`).
    cache : dict
        The cache returned by :func:`gru_forward`.

    Returns
    -------
    grads : dict
        ``W_z, b_z, W_r, b_r, W_h, b_h``, shapes as the parameters.
    dxs : array (T, B, D)
    dh0 : array (B, H)

    Equations
    ---------
    Going back from t = T, the total gradient on :math:`h_t` is :math:`\delta h_t` = ``dhs[t]`` plus what step
    t+1 sends back; :func:`gru_step_backward`'s equations turn it into the gradients on the step's pre-activations
    and on :math:`h_{t-1}`. Along the direct path the gradient is multiplied only by :math:`1 - z_t`, as the LSTM's
    cell state multiplies it by :math:`f_t`. The parameter gradients and ``dxs`` are sums (or maps) over the steps,
    formed after the loop, one matrix product each.
    """
    cache = check_cache(cache, "gru_forward")
    p, reset_after, hs = cache["params"], cache["reset_after"], cache["hs"]
    T, B, H = hs.shape
    dhs = check_gradient("dhs", dhs, hs.shape, "T, B, H", hs.dtype)
    W_x, W_hh, _ = _fuse(p, H)
    das = np.empty((T, B, 3 * H), dtype=hs.dtype)             # the pre-activation gradients, filled going back
    dns = np.empty((T, B, H), dtype=hs.dtype)
    dh_next = np.zeros((B, H), dtype=hs.dtype)                # what step t+1 sends back to h_t
    for t in range(T - 1, -1, -1):
        step = {k: cache[k][t] for k in (*STEP_KEYS[1:], _reset_key(reset_after))}
        das[t], dns[t], dh_next = _step_backward(dhs[t] + dh_next, step, W_hh, reset_after)
    grads, dxs = _gradients(das, dns, cache, W_x, reset_after)
    return grads, dxs, dh_next
