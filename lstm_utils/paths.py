r"""Which path carries an LSTM's gradient: the direct cell-state path, the full Jacobian, the gradient on the inputs.

Chapter 05 derives that one step back along the cell state multiplies the gradient by :math:`\mathrm{diag}(f_t)`,
so the *direct path* from :math:`C_t` to :math:`C_T` is

.. math:: \left.\frac{\partial C_T}{\partial C_t}\right|_{\text{direct}} = \prod_{k=t+1}^{T} \mathrm{diag}(f_k),
          \qquad \Big\|\prod_k \mathrm{diag}(f_k)\Big\|_2 = \max_j \prod_{k=t+1}^{T} f_{k,j}.

The gates read :math:`h_{t-1} = o_{t-1} * \tanh(C_{t-1})`, so the full Jacobian :math:`\partial C_T/\partial C_t`
also contains every path that leaves the cell through :math:`h` and comes back through a gate's weights
(:func:`cell_jacobian_norms`). What a learner needs is neither Jacobian but the gradient of the loss on the
*inputs*, :math:`\partial L/\partial x_t`: it is what changes the weights that read :math:`x_t`, and it can be
computed the same way for an RNN (:func:`rnn_input_grads`) and an LSTM (:func:`lstm_input_grads`), so the two
can be drawn on the same axes against the distance :math:`T - t`.

:func:`lstm_input_grads` with ``truncated=True`` keeps only the part of :math:`\partial L/\partial x_t` that
reached step t along the cell state: the error that step t+1's gates send back to :math:`h_t` is dropped, the
gradient on :math:`h_t` is only what the loss puts there, and the gradient on :math:`C_t` is what the loss puts
on :math:`h_t` plus what arrives along the cell, :math:`\delta C_{t-1} = \delta C_t * f_t`. This is the
truncated gradient with which Hochreiter & Schmidhuber (1997, section 4) trained the first LSTM (with
:math:`f \equiv 1`, the constant error carousel) and Gers et al. (2000) the LSTM with a forget gate. The full
gradient (``truncated=False``, the package's :func:`~lstm_utils.lstm_backward`) is the sum of this direct part
and the parts carried by paths through :math:`h`, so ``full - truncated`` is what those paths carry.

Indexing follows :mod:`lstm_utils.memory`: Jacobian curves have T + 1 rows, row ``t`` belonging to
:math:`C_t` (row T is the identity, row 0 the initial state); input gradients have T rows, row ``t - 1``
belonging to :math:`x_t`. :func:`input_gradient_paths` returns every curve indexed by distance instead.
"""

from __future__ import annotations

import numpy as np

from ._checks import check_shape, check_state, compute_dtype, finite, flag, real_array
from .lstm import _lstm_params, lstm_backward, lstm_forward
from .memory import cell_jacobians, forget_products, gate_values
from .models import split_params
from .rnn import _rnn_params, rnn_backward, rnn_forward

__all__ = ["cell_jacobian_norms", "direct_path_norms", "grad_norms", "input_gradient_paths", "lstm_input_grads",
           "rnn_input_grads"]


def _check_dhs(dhs, T, B, H, dtype):
    dhs = real_array("dhs", dhs, dtype)
    check_shape("dhs", dhs, (T, B, H), "T, B, H")
    if not np.all(np.isfinite(dhs)):
        raise ValueError("dhs: expected finite values, got NaN or infinity")
    return dhs


def direct_path_norms(xs, params, *, h0=None, c0=None):
    r"""Spectral norm of the direct path :math:`\|\prod_{k=t+1}^{T} \mathrm{diag}(f_k)\|_2` for every t = 0..T.

    Parameters
    ----------
    xs : array (T, B, D)
        The inputs.
    params : dict
        LSTM parameters (``W_f`` ... ``b_o``), as from :func:`~lstm_utils.init_lstm`.
    h0, c0 : array (B, H) or None
        Initial states (``None``: zeros).

    Returns
    -------
    norms : array (T + 1, B)
        Row t: :math:`\max_j \prod_{k=t+1}^{T} f_{k,j}` (the spectral norm of a diagonal matrix is its largest
        entry); row T is 1.
    """
    _, _, cache = lstm_forward(xs, h0, c0, params)
    return forget_products(gate_values(cache)["f"]).max(axis=-1)


def cell_jacobian_norms(xs, params, *, h0=None, c0=None):
    r"""Spectral norm of the full Jacobian :math:`\|\partial C_T / \partial C_t\|_2` for every t = 0..T.

    All paths: the direct one along the cell and every one through the hidden states, measured by
    backpropagation through time (:func:`~lstm_utils.cell_jacobians`).

    Parameters
    ----------
    xs : array (T, B, D)
    params : dict
        LSTM parameters.
    h0, c0 : array (B, H) or None

    Returns
    -------
    norms : array (T + 1, B)
        Row t: :math:`\|\partial C_T/\partial C_t\|_2`; row T is 1.
    """
    J = cell_jacobians(xs, params, h0=h0, c0=c0)               # (T + 1, B, H, H)
    return np.linalg.norm(J, ord=2, axis=(-2, -1))


def lstm_input_grads(xs, params, dhs, *, dc_last=None, h0=None, c0=None, truncated=False):
    r"""The gradient :math:`\partial L/\partial x_t` of a loss on an LSTM run, in full or along the cell only.

    The loss is the one whose gradients are ``dhs`` on the hidden states and ``dc_last`` on :math:`C_T`.

    Parameters
    ----------
    xs : array (T, B, D)
    params : dict
        LSTM parameters.
    dhs : array (T, B, H)
        :math:`\partial L/\partial h_t` from outside the recurrence (zeros where the loss does not read
        :math:`h_t`).
    dc_last : array (B, H) or None
        Gradient on the last cell state (``None``: zero).
    h0, c0 : array (B, H) or None
    truncated : bool
        ``False``: the full gradient, :func:`~lstm_utils.lstm_backward`. ``True``: only what travels along the
        cell state, with the recurrence

        .. math::
            \delta h_t &= \mathrm{dhs}_t, \\
            \delta C_t &= \delta C_{t+1} \odot f_{t+1} + \delta h_t \odot o_t \odot (1 - \tanh^2 C_t), \\
            \delta x_t &= \textstyle\sum_q \delta a_{q,t}\, W_q[:, H:],

        where :math:`\delta a_{q,t}` are step t's pre-activation gradients (chapter 07's equations) and the
        :math:`\delta h_{t-1}` they would send back, :math:`\sum_q \delta a_{q,t} W_q[:, :H]`, is dropped
        (Hochreiter & Schmidhuber 1997, section 4; Gers et al. 2000).

    Returns
    -------
    dxs : array (T, B, D)
        Row t - 1: :math:`\partial L/\partial x_t`.
    """
    if not isinstance(truncated, (bool, np.bool_)):
        raise TypeError(f"truncated: expected True or False, got {type(truncated).__name__}")
    dtype = compute_dtype(xs)
    p, H, _ = _lstm_params(params, dtype)
    hs, cs, cache = lstm_forward(xs, h0, c0, params)
    T, B, _ = hs.shape
    dhs = _check_dhs(dhs, T, B, H, dtype)
    dc = check_state("dc_last", dc_last, B, H, dtype).copy()
    if not truncated:
        return lstm_backward(dhs, cache, dc_last=dc)[1]
    gates = gate_values(cache)
    f, i, g, o = gates["f"], gates["i"], gates["c_tilde"], gates["o"]
    tanh_c = np.tanh(cs)                                        # tanh C_1 .. tanh C_T
    c0 = check_state("c0", c0, B, H, dtype)
    c_prev = np.concatenate([c0[None], cs[:-1]], axis=0)        # C_0 .. C_{T-1}
    W_x = np.concatenate([p[f"W_{q}"][:, H:] for q in "fico"])  # (4H, D), order f, i, C~, o
    dxs = np.empty((T, B, W_x.shape[1]), dtype=dtype)
    for t in range(T - 1, -1, -1):                              # row t: step t + 1
        dh = dhs[t]                                             # the loss's only: nothing from step t + 2
        dc = dc + dh * o[t] * (1.0 - tanh_c[t] ** 2)
        d_pre = np.concatenate([dc * c_prev[t] * f[t] * (1.0 - f[t]),
                                dc * g[t] * i[t] * (1.0 - i[t]),
                                dc * i[t] * (1.0 - g[t] ** 2),
                                dh * tanh_c[t] * o[t] * (1.0 - o[t])], axis=1)
        dxs[t] = d_pre @ W_x
        dc = dc * f[t]                                          # along the cell: f only
    return dxs


def rnn_input_grads(xs, params, dhs, *, h0=None):
    r"""The gradient :math:`\partial L/\partial x_t` of a loss on a vanilla RNN run (:func:`~lstm_utils.rnn_backward`).

    Parameters
    ----------
    xs : array (T, B, D)
    params : dict
        RNN parameters ``W_h`` (H, H + D), ``b_h`` (H,).
    dhs : array (T, B, H)
        :math:`\partial L/\partial h_t` from outside the recurrence.
    h0 : array (B, H) or None

    Returns
    -------
    dxs : array (T, B, D)
        Row t - 1: :math:`\partial L/\partial x_t = (\delta h_t \odot (1 - h_t^2))\, W_h[:, H:]`, with
        :math:`\delta h_t` the total gradient on :math:`h_t`.
    """
    dtype = compute_dtype(xs)
    _, H, _ = _rnn_params(params, dtype)
    hs, cache = rnn_forward(xs, h0, params)
    T, B, _ = hs.shape
    dhs = _check_dhs(dhs, T, B, H, dtype)
    return rnn_backward(dhs, cache)[1]


def grad_norms(dxs):
    r"""Euclidean norms :math:`\|\partial L/\partial x_t\|` over the input features: (T, B, D) -> (T, B)."""
    dxs = real_array("dxs", dxs, compute_dtype(dxs))
    if dxs.ndim != 3:
        raise ValueError(f"dxs: expected shape (T, B, D), got {tuple(dxs.shape)}")
    return np.linalg.norm(finite("dxs", dxs), axis=-1)


def input_gradient_paths(cell, params, xs, *, jacobians=True):
    r"""Every curve of chapter 05's measurement for a many-to-one model, indexed by the distance :math:`T - t`.

    The loss is the model's output, :math:`L = \hat y = W_y h_T + b_y` (one output): a training loss
    :math:`(\hat y - y)^2` has the gradient :math:`2 (\hat y - y)` times this one, the same for every step of a
    sequence, so curves relative to distance 0 are the same.

    Parameters
    ----------
    cell : "rnn" or "lstm"
    params : dict
        The model's parameters: the cell's keys plus ``W_y`` (1, H) and ``b_y`` (1,), as from
        :func:`~lstm_utils.models.init_model`.
    xs : array (T, B, D)
    jacobians : bool
        For the LSTM, also the direct path and the full cell Jacobian (slower: H backward passes per sequence).

    Returns
    -------
    dict of arrays
        ``"input"``: (T, B), :math:`\|\partial L/\partial x_t\|` at distance T - t = 0 .. T - 1 (row k is
        :math:`x_{T-k}`). For the LSTM also ``"input_direct"`` (T, B), the truncated, cell-only part, and
        ``"input_indirect"`` (T, B), the norm of the rest, full minus truncated; with ``jacobians``,
        ``"direct_path"`` (T + 1, B), :math:`\|\prod_k \mathrm{diag} f_k\|_2`, and ``"cell_jacobian"`` (T + 1, B),
        :math:`\|\partial C_T/\partial C_t\|_2`, row k at distance k.
    """
    jacobians = flag("jacobians", jacobians)
    if cell not in ("rnn", "lstm"):
        raise ValueError(f"cell: expected 'rnn' or 'lstm', got {cell!r}")
    if not isinstance(params, dict):
        raise TypeError(f"params: expected a dict of arrays, got {type(params).__name__}")
    cell_params, ro = split_params(params)
    dtype = compute_dtype(xs)
    W_y = real_array("params['W_y']", ro["W_y"], dtype)
    if W_y.ndim != 2 or W_y.shape[0] != 1:
        raise ValueError(f"params['W_y']: expected shape (1, H) (one output), got {tuple(W_y.shape)}")
    xs = real_array("xs", xs, dtype)
    check_shape("xs", xs, (None, None, None), "T, B, D")
    T, B, _ = xs.shape
    H = W_y.shape[1]
    dhs = np.zeros((T, B, H), dtype=dtype)
    dhs[-1] = W_y[0]                                            # dL/dh_T = W_y for L = W_y h_T + b_y
    if cell == "rnn":
        return {"input": grad_norms(rnn_input_grads(xs, cell_params, dhs))[::-1]}
    full = lstm_input_grads(xs, cell_params, dhs)
    direct = lstm_input_grads(xs, cell_params, dhs, truncated=True)
    out = {"input": grad_norms(full)[::-1], "input_direct": grad_norms(direct)[::-1],
           "input_indirect": grad_norms(full - direct)[::-1]}
    if jacobians:
        out["direct_path"] = direct_path_norms(xs, cell_params)[::-1]
        out["cell_jacobian"] = cell_jacobian_norms(xs, cell_params)[::-1]
    return out
