r"""Our LSTM parameters in PyTorch's ``nn.LSTM`` layout and back (chapter 07), with numpy only.

The same cell, stored two ways:

* **ours**: one weight per gate acting on the concatenation :math:`[h_{t-1}, x_t]` (hidden state first),
  ``W_f, W_i, W_c, W_o`` of shape ``(H, H + D)``, and one bias per gate ``b_f, b_i, b_c, b_o`` of shape ``(H,)``;
* **PyTorch's** (one layer): the four gates stacked in the order **i, f, g, o** (``g`` is our candidate
  :math:`\tilde C_t`), the input and the hidden halves of the weights kept apart, and two biases that are added,

.. math::

    a = x_t W_{ih}^\top + b_{ih} + h_{t-1} W_{hh}^\top + b_{hh}, \qquad
    W_{ih}: (4H, D),\; W_{hh}: (4H, H),\; b_{ih}, b_{hh}: (4H,).

So ``W_g[:, :H]`` (the columns that read :math:`h_{t-1}`) becomes the gate's rows of ``weight_hh`` and
``W_g[:, H:]`` (the columns that read :math:`x_t`) its rows of ``weight_ih``. PyTorch's two biases only ever appear
as a sum, so :func:`to_torch_layout` puts the whole bias in ``bias_ih`` and zeros in ``bias_hh``, and
:func:`from_torch_layout` adds them.

The functions move numbers around and never import torch: the book and the tests use them to compare with
reference values that PyTorch produced once (``scripts/make_torch_reference.py``).
"""

from __future__ import annotations

from typing import Mapping

import numpy as np

from ._checks import as_real_array, check_params, check_shape, compute_dtype

TORCH_GATE_ORDER = ("i", "f", "c", "o")   # PyTorch's row blocks, in our gate names (PyTorch calls "c" "g")
TORCH_KEYS = ("weight_ih", "weight_hh", "bias_ih", "bias_hh")
_OUR_WEIGHTS = tuple(f"W_{g}" for g in ("f", "i", "c", "o"))
_OUR_BIASES = tuple(f"b_{g}" for g in ("f", "i", "c", "o"))


def to_torch_layout(params: Mapping) -> dict:
    """Our LSTM parameters as ``nn.LSTM``'s ``{"weight_ih", "weight_hh", "bias_ih", "bias_hh"}`` (one layer).

    ``weight_ih`` (4H, D) and ``weight_hh`` (4H, H) stack the gates in PyTorch's order i, f, g (= C̃), o;
    ``bias_ih`` (4H,) holds the whole bias and ``bias_hh`` (4H,) is zero. The dtype of ``W_f`` is kept.
    Also maps a gradient dict (same keys as the parameters) onto PyTorch's ``.grad`` of the weights.
    """
    dtype = compute_dtype(*(params.get(k) for k in _OUR_WEIGHTS)) if isinstance(params, Mapping) else np.float64
    p, H, _ = check_params(params, list(_OUR_WEIGHTS), list(_OUR_BIASES), dtype)
    weight_hh = np.concatenate([p[f"W_{g}"][:, :H] for g in TORCH_GATE_ORDER], axis=0)  # reads h_{t-1}
    weight_ih = np.concatenate([p[f"W_{g}"][:, H:] for g in TORCH_GATE_ORDER], axis=0)  # reads x_t
    bias_ih = np.concatenate([p[f"b_{g}"] for g in TORCH_GATE_ORDER])
    return {"weight_ih": weight_ih, "weight_hh": weight_hh, "bias_ih": bias_ih,
            "bias_hh": np.zeros_like(bias_ih)}


def from_torch_layout(weights: Mapping) -> dict:
    """``nn.LSTM``'s one-layer weights as our parameter dict ``{"W_f", "b_f", ..., "W_o", "b_o"}``.

    ``weights`` holds ``weight_ih`` (4H, D), ``weight_hh`` (4H, H), ``bias_ih`` (4H,) and optionally
    ``bias_hh`` (4H,) (missing or ``None`` means zero); our gate bias is :math:`b_g = b_{ih,g} + b_{hh,g}` and our
    weight :math:`W_g = [W_{hh,g}, W_{ih,g}]`. The inverse of :func:`to_torch_layout`.
    """
    if not isinstance(weights, Mapping):
        raise ValueError(f"weights: expected a dict with keys {', '.join(TORCH_KEYS)}, got {type(weights).__name__}")
    missing = [k for k in TORCH_KEYS[:3] if k not in weights]
    if missing:
        raise ValueError(f"weights: missing key(s) {', '.join(map(repr, missing))}; expected keys "
                         f"{', '.join(TORCH_KEYS)} (bias_hh optional), got {', '.join(map(str, weights)) or 'none'}")
    dtype = compute_dtype(weights["weight_ih"])
    w_ih = as_real_array("weights['weight_ih']", weights["weight_ih"], dtype)
    if w_ih.ndim != 2 or w_ih.shape[0] % 4 or w_ih.shape[0] == 0:
        raise ValueError(f"weights['weight_ih']: expected shape (4H, D), got {tuple(w_ih.shape)}")
    H = w_ih.shape[0] // 4
    w_hh = as_real_array("weights['weight_hh']", weights["weight_hh"], dtype)
    check_shape("weights['weight_hh']", w_hh, (4 * H, H), "4H, H")
    b = as_real_array("weights['bias_ih']", weights["bias_ih"], dtype)
    check_shape("weights['bias_ih']", b, (4 * H,), "4H")
    if weights.get("bias_hh") is not None:
        b_hh = as_real_array("weights['bias_hh']", weights["bias_hh"], dtype)
        check_shape("weights['bias_hh']", b_hh, (4 * H,), "4H")
        b = b + b_hh                       # PyTorch only ever uses the sum
    params = {}
    for k, g in enumerate(TORCH_GATE_ORDER):
        rows = slice(k * H, (k + 1) * H)
        params[f"W_{g}"] = np.concatenate([w_hh[rows], w_ih[rows]], axis=1)   # acts on [h_{t-1}, x_t]
        params[f"b_{g}"] = b[rows].copy()
    return {f"{kind}_{g}": params[f"{kind}_{g}"] for g in ("f", "i", "c", "o") for kind in ("W", "b")}
