r"""The LSTM's gates, one function per equation (chapters 03 to 06).

Every gate reads the same concatenation :math:`z_t = [h_{t-1}, x_t]` (hidden state first) through its own weight
of shape ``(H, H + D)`` and bias of shape ``(H,)``; ``h_prev`` is ``(B, H)`` and ``x_t`` is ``(B, D)``.

.. math::

    f_t &= \sigma(W_f \cdot [h_{t-1}, x_t] + b_f)            &\text{forget gate (chapter 03)}\\
    i_t &= \sigma(W_i \cdot [h_{t-1}, x_t] + b_i)            &\text{input gate (chapter 04)}\\
    \tilde C_t &= \tanh(W_C \cdot [h_{t-1}, x_t] + b_C)      &\text{candidate (chapter 04)}\\
    C_t &= f_t * C_{t-1} + i_t * \tilde C_t                  &\text{cell state (chapter 05)}\\
    o_t &= \sigma(W_o \cdot [h_{t-1}, x_t] + b_o)            &\text{output gate (chapter 06)}\\
    h_t &= o_t * \tanh(C_t)                                  &\text{hidden state (chapter 06)}

``*`` is the elementwise product. These functions are the readable reference; :func:`lstm_utils.lstm_forward`
computes the same numbers with all four gates in one matrix product per step.

Every function checks its arguments first: shapes (the message names the argument that disagrees with the
others), real dtypes (booleans and integers are converted; complex, string and object arrays refused) and
finiteness (a NaN or an infinity raises ``ValueError`` naming the argument and the first offending index).
Dtype rule: the result is float32 if an argument is float32 (``x_t`` for the gates; any argument for
:func:`cell_state` and :func:`hidden_state`, which have no input of their own), float64 otherwise, as everywhere
in the package: float32 data is computed in float32.
"""

from __future__ import annotations

from collections import Counter

import numpy as np

from ._checks import as_real_array, check_shape, check_step_input, compute_dtype
from ._validate import finite
from .activations import sigmoid


def gate_preactivation(h_prev, x_t, W, b, names=("W", "b")):
    """``[h_prev, x_t] @ W.T + b``, shape (B, H), after checking every shape against ``W``."""
    dtype = compute_dtype(x_t)
    W = finite(names[0], as_real_array(names[0], W, dtype))
    if W.ndim != 2 or W.shape[1] <= W.shape[0]:
        raise ValueError(f"{names[0]}: expected shape (H, H + D) with D >= 1, got {tuple(W.shape)}")
    H, D = W.shape[0], W.shape[1] - W.shape[0]
    b = finite(names[1], as_real_array(names[1], b, dtype))
    check_shape(names[1], b, (H,), "H")
    x_t = finite("x_t", check_step_input(x_t, D, dtype))
    h_prev = as_real_array("h_prev", h_prev, dtype)
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
    """The arrays in a common dtype, after checking that all are (B, H) of one shape and finite.

    When the shapes disagree, the shape most of the arguments share is taken as the intended one and the
    arguments that differ are named (a misshaped ``f_t`` is blamed on ``f_t``, not on the ``c_prev`` after it);
    with no majority, every shape is listed.
    """
    dtype = compute_dtype(*arrays.values())
    out = [as_real_array(k, v, dtype) for k, v in arrays.items()]
    for name, a in zip(arrays, out, strict=True):
        if a.ndim != 2:
            raise ValueError(f"{name}: expected shape (B, H), got {tuple(a.shape)}")
    shapes = Counter(a.shape for a in out)
    if len(shapes) > 1:
        (common, n), (_, n2) = shapes.most_common(2)
        given = ", ".join(f"{k} {tuple(a.shape)}" for k, a in zip(arrays, out, strict=True))
        if n == n2:
            raise ValueError(f"{', '.join(arrays)}: expected the same shape (B, H), got {given}")
        wrong = [k for k, a in zip(arrays, out, strict=True) if a.shape != common]
        raise ValueError(f"{', '.join(wrong)}: expected shape (B, H) = {common} like "
                         f"{', '.join(k for k in arrays if k not in wrong)}, got {given}")
    for name, a in zip(arrays, out, strict=True):
        finite(name, a)
    return out


def cell_state(f_t, c_prev, i_t, c_tilde):
    r""":math:`C_t = f_t * C_{t-1} + i_t * \tilde C_t`: keep part of the old cell, add part of the candidate.

    All four arguments are (B, H). The result is float32 if any argument is float32, else float64.
    """
    f_t, c_prev, i_t, c_tilde = _same_shape(f_t=f_t, c_prev=c_prev, i_t=i_t, c_tilde=c_tilde)
    return f_t * c_prev + i_t * c_tilde


def hidden_state(o_t, c_t):
    r""":math:`h_t = o_t * \tanh(C_t)`: the part of the squashed cell state the next step and the outside see.

    Both arguments are (B, H). The result is float32 if either argument is float32, else float64.
    """
    o_t, c_t = _same_shape(o_t=o_t, c_t=c_t)
    return o_t * np.tanh(c_t)
