r"""The LSTM's gates, one function per equation (chapters 03 to 06).

Every gate reads the same concatenation :math:`z_t = [h_{t-1}, x_t]` (hidden state first) through its own weight
of shape ``(H, H + D)`` and bias of shape ``(H,)``; ``h_prev`` is ``(B, H)`` and ``x_t`` is ``(B, D)``.

.. math::

    f_t &= \sigma(W_f \cdot [h_{t-1}, x_t] + b_f)            &\text{forget gate (chapter 03)}\\
    i_t &= \sigma(W_i \cdot [h_{t-1}, x_t] + b_i)            &\text{input gate (chapter 04)}\\
    \tilde C_t &= \tanh(W_C \cdot [h_{t-1}, x_t] + b_C)      &\text{candidate (chapter 04)}\\
    C_t &= f_t \odot C_{t-1} + i_t \odot \tilde C_t          &\text{cell state (chapter 05)}\\
    o_t &= \sigma(W_o \cdot [h_{t-1}, x_t] + b_o)            &\text{output gate (chapter 06)}\\
    h_t &= o_t \odot \tanh(C_t)                              &\text{hidden state (chapter 06)}

:math:`\odot` is the elementwise product. Chapters 03-06 use these functions one at a time;
:func:`lstm_utils.lstm_step` writes the same six equations in one function (chapter 07), and
:func:`lstm_utils.lstm_forward` computes the same numbers with all four gates in one matrix product per step.

Every function checks its arguments first: real dtypes (booleans and integers are converted; complex, string
and object arrays refused), finiteness (a NaN or an infinity raises ``ValueError`` naming the argument and the
first offending index) and shapes (against the weight's; :func:`cell_state` and :func:`hidden_state` list every
argument's shape when they differ).
Dtype rule: the result is float32 if an argument is float32 (``x_t`` for the gates; any argument for
:func:`cell_state` and :func:`hidden_state`, which have no input of their own), float64 otherwise, as everywhere
in the package: float32 data is computed in float32.
"""

from __future__ import annotations

import numpy as np

from ._checks import check_shape, check_step_input, compute_dtype, finite, real_array
from .activations import sigmoid


def gate_preactivation(h_prev, x_t, W, b, names=("W", "b")):
    """``[h_prev, x_t] @ W.T + b``, shape (B, H), after checking every shape against ``W``."""
    dtype = compute_dtype(x_t)
    W = finite(names[0], real_array(names[0], W, dtype))
    if W.ndim != 2 or W.shape[1] <= W.shape[0]:
        raise ValueError(f"{names[0]}: expected shape (H, H + D) with D >= 1, got {tuple(W.shape)}")
    H, D = W.shape[0], W.shape[1] - W.shape[0]
    b = finite(names[1], real_array(names[1], b, dtype))
    check_shape(names[1], b, (H,), "H")
    x_t = finite("x_t", check_step_input(x_t, D, dtype))
    h_prev = real_array("h_prev", h_prev, dtype)
    check_shape("h_prev", h_prev, (x_t.shape[0], H), "B, H")
    finite("h_prev", h_prev)
    return np.concatenate([h_prev, x_t], axis=1) @ W.T + b


def forget_gate(h_prev, x_t, W_f, b_f):
    r""":math:`f_t = \sigma(W_f \cdot [h_{t-1}, x_t] + b_f)`, in (0, 1): how much of each entry of C_{t-1} to keep."""
    return sigmoid(gate_preactivation(h_prev, x_t, W_f, b_f, ("W_f", "b_f")))


def input_gate(h_prev, x_t, W_i, b_i):
    r""":math:`i_t = \sigma(W_i \cdot [h_{t-1}, x_t] + b_i)`, in (0, 1): how much of the candidate to write."""
    return sigmoid(gate_preactivation(h_prev, x_t, W_i, b_i, ("W_i", "b_i")))


def candidate(h_prev, x_t, W_c, b_c):
    r""":math:`\tilde C_t = \tanh(W_C \cdot [h_{t-1}, x_t] + b_C)`, in (-1, 1): the values proposed for the cell."""
    return np.tanh(gate_preactivation(h_prev, x_t, W_c, b_c, ("W_c", "b_c")))


def output_gate(h_prev, x_t, W_o, b_o):
    r""":math:`o_t = \sigma(W_o \cdot [h_{t-1}, x_t] + b_o)`, in (0, 1): how much of the squashed cell to show."""
    return sigmoid(gate_preactivation(h_prev, x_t, W_o, b_o, ("W_o", "b_o")))


def _same_shape(**arrays):
    """The arrays in a common dtype, after checking that all are finite and of one shape (B, H)."""
    dtype = compute_dtype(*arrays.values())
    out = [real_array(k, v, dtype) for k, v in arrays.items()]
    if any(a.ndim != 2 for a in out) or len({a.shape for a in out}) > 1:
        given = ", ".join(f"{k} {tuple(a.shape)}" for k, a in zip(arrays, out, strict=True))
        raise ValueError(f"{', '.join(arrays)}: expected one shape (B, H), got {given}")
    for name, a in zip(arrays, out, strict=True):
        finite(name, a)
    return out


def cell_state(f_t, c_prev, i_t, c_tilde):
    r""":math:`C_t = f_t \odot C_{t-1} + i_t \odot \tilde C_t`: keep part of the old cell, add part of the candidate.

    All four arguments are (B, H). The result is float32 if any argument is float32, else float64.
    """
    f_t, c_prev, i_t, c_tilde = _same_shape(f_t=f_t, c_prev=c_prev, i_t=i_t, c_tilde=c_tilde)
    return f_t * c_prev + i_t * c_tilde


def hidden_state(o_t, c_t):
    r""":math:`h_t = o_t \odot \tanh(C_t)`: the part of the squashed cell state the next step and the outside see.

    Both arguments are (B, H). The result is float32 if either argument is float32, else float64.
    """
    o_t, c_t = _same_shape(o_t=o_t, c_t=c_t)
    return o_t * np.tanh(c_t)
