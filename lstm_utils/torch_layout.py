r"""Our LSTM and GRU parameters in PyTorch's ``nn.LSTM`` / ``nn.GRU`` layout and back (chapters 07, 10), numpy only.

The same cell, stored two ways:

* **ours**: one weight per gate acting on the concatenation :math:`[h_{t-1}, x_t]` (hidden state first),
  e.g. ``W_f, W_i, W_c, W_o`` of shape ``(H, H + D)``, and one bias per gate ``b_f, b_i, b_c, b_o`` of shape ``(H,)``;
* **PyTorch's** (one layer): the gates stacked in PyTorch's order (**i, f, g, o** for the LSTM, ``g`` being our
  candidate :math:`\tilde C_t`; **r, z, n** for the GRU), the input and the hidden halves of the weights kept apart,
  and two biases,

.. math::

    a &= x_t W_{ih}^\top + b_{ih} + h_{t-1} W_{hh}^\top + b_{hh}, \\
    & W_{ih}: (4H, D),\; W_{hh}: (4H, H),\; b_{ih}, b_{hh}: (4H,) \\
    & \text{(the LSTM's shapes; the GRU's have 3H rows).}

So ``W_g[:, :H]`` (the columns that read :math:`h_{t-1}`) becomes the gate's rows of ``weight_hh`` and
``W_g[:, H:]`` (the columns that read :math:`x_t`) its rows of ``weight_ih``. In the LSTM, PyTorch's two biases only
ever appear as a sum, so :func:`to_torch_layout` puts the whole bias in ``bias_ih`` and zeros in ``bias_hh``, and
:func:`from_torch_layout` adds them. The GRU's mapping, :func:`to_torch_gru`, also flips the sign of the update gate
(see there).

The functions move numbers around and never import torch: the book and the tests compare with reference values
that PyTorch produced once (``scripts/make_torch_reference.py``), shipped with the package and loaded by
:func:`torch_reference`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from importlib import resources

import numpy as np

from ._checks import ArgumentTypeError, cell_keys, cell_params, check_shape, compute_dtype, finite, real_array
from .lstm import GATES as _LSTM_GATES

TORCH_GATE_ORDER = ("i", "f", "c", "o")   # nn.LSTM's row blocks, in our gate names (PyTorch calls "c" "g")
TORCH_GRU_GATE_ORDER = ("r", "z", "h")    # nn.GRU's row blocks, in our gate names (PyTorch calls "h" "n")
TORCH_KEYS = ("weight_ih", "weight_hh", "bias_ih", "bias_hh")
TORCH_GRU_KEYS = tuple(f"{k}_l0" for k in TORCH_KEYS)   # the names in nn.GRU's state_dict (one layer)
_OUR_WEIGHTS, _OUR_BIASES = cell_keys("lstm")


def _weights_dtype(params, keys):
    """float32 if any of the weights is float32, float64 otherwise (the rule of the cells, applied to weights)."""
    return compute_dtype(*(params.get(k) for k in keys)) if isinstance(params, Mapping) else np.dtype(np.float64)


def to_torch_layout(params: Mapping) -> dict:
    """Our LSTM parameters as ``nn.LSTM``'s ``{"weight_ih", "weight_hh", "bias_ih", "bias_hh"}`` (one layer).

    Parameters
    ----------
    params : dict
        ``W_f, W_i, W_c, W_o`` (H, H + D) and ``b_f, b_i, b_c, b_o`` (H,). Also a gradient dict with the same keys:
        it maps onto PyTorch's ``.grad`` of the weights (and of ``bias_ih``).

    Returns
    -------
    dict
        ``weight_ih`` (4H, D) and ``weight_hh`` (4H, H), the gates stacked in PyTorch's order i, f, g (= C̃), o;
        ``bias_ih`` (4H,) holding the whole bias and ``bias_hh`` (4H,) zero. float32 if any weight is float32,
        float64 otherwise.
    """
    dtype = _weights_dtype(params, _OUR_WEIGHTS)
    p, H, _ = cell_params(params, "lstm", dtype)
    weight_hh = np.concatenate([p[f"W_{g}"][:, :H] for g in TORCH_GATE_ORDER], axis=0)  # reads h_{t-1}
    weight_ih = np.concatenate([p[f"W_{g}"][:, H:] for g in TORCH_GATE_ORDER], axis=0)  # reads x_t
    bias_ih = np.concatenate([p[f"b_{g}"] for g in TORCH_GATE_ORDER])
    return {"weight_ih": weight_ih, "weight_hh": weight_hh, "bias_ih": bias_ih,
            "bias_hh": np.zeros_like(bias_ih)}


def _torch_weights(weights, keys, n_gates, optional_last=True):
    """Validate PyTorch-layout weights: ``keys`` = (weight_ih, weight_hh, bias_ih, bias_hh) names.
    Returns ``(w_ih, w_hh, b_ih, b_hh or None, H)``."""
    label = f"{n_gates}H"
    if not isinstance(weights, Mapping):
        raise ArgumentTypeError(f"weights: expected a dict with keys {', '.join(keys)}, got {type(weights).__name__}")
    missing = [k for k in keys[:3] if k not in weights]
    if missing:
        raise ValueError(f"weights: missing key(s) {', '.join(map(repr, missing))}; expected keys "
                         f"{', '.join(keys)} ({keys[3]} optional), got {', '.join(map(str, weights)) or 'none'}")
    dtype = compute_dtype(weights[keys[0]], weights[keys[1]])
    w_ih = finite(f"weights[{keys[0]!r}]", real_array(f"weights[{keys[0]!r}]", weights[keys[0]], dtype))
    if w_ih.ndim != 2 or w_ih.shape[0] % n_gates or w_ih.shape[0] == 0 or w_ih.shape[1] == 0:
        raise ValueError(f"weights[{keys[0]!r}]: expected shape ({label}, D) with H, D >= 1, "
                         f"got {tuple(w_ih.shape)}")
    H = w_ih.shape[0] // n_gates
    w_hh = finite(f"weights[{keys[1]!r}]", real_array(f"weights[{keys[1]!r}]", weights[keys[1]], dtype))
    check_shape(f"weights[{keys[1]!r}]", w_hh, (n_gates * H, H), f"{label}, H")
    b_ih = finite(f"weights[{keys[2]!r}]", real_array(f"weights[{keys[2]!r}]", weights[keys[2]], dtype))
    check_shape(f"weights[{keys[2]!r}]", b_ih, (n_gates * H,), label)
    b_hh = None
    if weights.get(keys[3]) is not None:
        b_hh = finite(f"weights[{keys[3]!r}]", real_array(f"weights[{keys[3]!r}]", weights[keys[3]], dtype))
        check_shape(f"weights[{keys[3]!r}]", b_hh, (n_gates * H,), label)
    return w_ih, w_hh, b_ih, b_hh, H


def from_torch_layout(weights: Mapping) -> dict:
    """``nn.LSTM``'s one-layer weights as our parameter dict ``{"W_f", "b_f", ..., "W_o", "b_o"}``.

    Parameters
    ----------
    weights : dict
        ``weight_ih`` (4H, D), ``weight_hh`` (4H, H), ``bias_ih`` (4H,) and optionally ``bias_hh`` (4H,) (missing or
        ``None`` means zero).

    Returns
    -------
    dict
        ``W_f, b_f, W_i, b_i, W_c, b_c, W_o, b_o``: our gate bias is :math:`b_g = b_{ih,g} + b_{hh,g}` and our
        weight :math:`W_g = [W_{hh,g}, W_{ih,g}]`. The inverse of :func:`to_torch_layout`.
    """
    w_ih, w_hh, b, b_hh, H = _torch_weights(weights, TORCH_KEYS, 4)
    if b_hh is not None:
        b = b + b_hh                       # PyTorch only ever uses the sum
    params = {}
    for k, g in enumerate(TORCH_GATE_ORDER):
        rows = slice(k * H, (k + 1) * H)
        params[f"W_{g}"] = np.concatenate([w_hh[rows], w_ih[rows]], axis=1)   # acts on [h_{t-1}, x_t]
        params[f"b_{g}"] = b[rows].copy()
    return {f"{kind}_{g}": params[f"{kind}_{g}"] for g in _LSTM_GATES for kind in ("W", "b")}


# PyTorch's update gate is our 1 - z_t: the row block of z is negated (see to_torch_gru).
_GRU_SIGN = {"r": 1.0, "z": -1.0, "h": 1.0}


def to_torch_gru(params: Mapping) -> dict:
    r"""Our GRU parameters as ``nn.GRU``'s one-layer ``state_dict``, as numpy arrays.

    ``nn.GRU`` loaded with the result (``gru.load_state_dict({k: torch.from_numpy(v) for k, v in ...})``)
    computes :func:`~lstm_utils.gru_forward` with ``reset_after=True``, to float64 round-off.

    Parameters
    ----------
    params : dict
        ``W_z, W_r, W_h`` (H, H + D) and ``b_z, b_r, b_h`` (H,), as from :func:`~lstm_utils.init_gru`. Also a
        gradient dict with the same keys: it maps onto the ``.grad`` of ``weight_ih_l0``, ``weight_hh_l0`` and
        ``bias_ih_l0`` (and onto the r and z blocks of ``bias_hh_l0``'s gradient, which equal ``bias_ih_l0``'s).

    Returns
    -------
    dict
        ``weight_ih_l0`` (3H, D), ``weight_hh_l0`` (3H, H), ``bias_ih_l0`` (3H,), ``bias_hh_l0`` (3H,), the row
        blocks in PyTorch's gate order r, z, n; ``bias_hh_l0`` is zero. float32 if any weight is float32, float64
        otherwise.

    Equations
    ---------
    PyTorch's GRU is

    .. math::

        r_t &= \sigma(W_{ir} x_t + b_{ir} + W_{hr} h_{t-1} + b_{hr}), \\
        z'_t &= \sigma(W_{iz} x_t + b_{iz} + W_{hz} h_{t-1} + b_{hz}), \\
        n_t &= \tanh(W_{in} x_t + b_{in} + r_t \odot (W_{hn} h_{t-1} + b_{hn})), \\
        h_t &= (1 - z'_t) \odot n_t + z'_t \odot h_{t-1}.

    Ours (Chung et al. 2014) is :math:`h_t = (1 - z_t) h_{t-1} + z_t \tilde h_t`, so PyTorch's :math:`z'_t` is our
    :math:`1 - z_t = \sigma(-(W_z [h_{t-1}, x_t] + b_z))`: its rows are our ``W_z`` and ``b_z`` **negated**. The bias
    that starts the cell remembering has opposite signs in the two conventions: ``b_z = -1`` here is
    :math:`b_{iz} + b_{hz} = +1` there. The reset gate maps as it is; the candidate's bias ``b_h`` goes to
    :math:`b_{in}` and :math:`b_{hn} = 0`, since ``reset_after=True`` adds ``b_h`` outside the reset gate.
    """
    weights, biases = cell_keys("gru")
    dtype = _weights_dtype(params, weights)
    p, H, _ = cell_params(params, "gru", dtype)
    sign = {g: np.asarray(_GRU_SIGN[g], dtype=dtype) for g in TORCH_GRU_GATE_ORDER}
    weight_hh = np.concatenate([sign[g] * p[f"W_{g}"][:, :H] for g in TORCH_GRU_GATE_ORDER], axis=0)
    weight_ih = np.concatenate([sign[g] * p[f"W_{g}"][:, H:] for g in TORCH_GRU_GATE_ORDER], axis=0)
    bias_ih = np.concatenate([sign[g] * p[f"b_{g}"] for g in TORCH_GRU_GATE_ORDER])
    ih, hh, bih, bhh = TORCH_GRU_KEYS
    return {ih: weight_ih, hh: weight_hh, bih: bias_ih, bhh: np.zeros_like(bias_ih)}


def from_torch_gru(weights: Mapping) -> dict:
    r"""``nn.GRU``'s one-layer ``state_dict`` (numpy arrays) as our GRU parameters; the inverse of
    :func:`to_torch_gru`.

    Parameters
    ----------
    weights : dict
        ``weight_ih_l0`` (3H, D), ``weight_hh_l0`` (3H, H), ``bias_ih_l0`` (3H,) and optionally ``bias_hh_l0``
        (3H,) (missing or ``None``: zero). Its n block must be zero: our ``reset_after=True`` candidate has no bias
        inside the reset gate.

    Returns
    -------
    dict
        ``W_z, b_z, W_r, b_r, W_h, b_h``, with the update gate's rows negated back (see :func:`to_torch_gru`) and the
        r and z blocks of the two biases added.
    """
    w_ih, w_hh, b, b_hh, H = _torch_weights(weights, TORCH_GRU_KEYS, 3)
    if b_hh is not None:
        if np.any(b_hh[2 * H :] != 0):
            raise ValueError("weights['bias_hh_l0']: expected zeros in its n block (rows 2H:3H), since our "
                             "candidate has no bias inside the reset gate; got nonzero values")
        b = b + b_hh
    params = {}
    for k, g in enumerate(TORCH_GRU_GATE_ORDER):
        rows = slice(k * H, (k + 1) * H)
        s = np.asarray(_GRU_SIGN[g], dtype=w_ih.dtype)
        params[f"W_{g}"] = s * np.concatenate([w_hh[rows], w_ih[rows]], axis=1)
        params[f"b_{g}"] = s * b[rows]
    weight_keys, bias_keys = cell_keys("gru")
    return {k: params[k] for pair in zip(weight_keys, bias_keys, strict=True) for k in pair}


_REFERENCE = {"lstm": "torch_lstm_reference", "gru": "torch_gru_reference"}


def torch_reference(cell: str) -> dict:
    """The committed PyTorch reference values for ``cell`` (``"lstm"`` or ``"gru"``), read as package data.

    Made once by ``scripts/make_torch_reference.py`` with ``torch==2.13.0`` in float64 and shipped in
    ``lstm_utils/results/``, so a notebook opened on its own (e.g. on Colab) finds them.

    Parameters
    ----------
    cell : {"lstm", "gru"}

    Returns
    -------
    dict
        The arrays (inputs ``xs``, ``h0`` (and ``c0``), ``dhs`` (and ``dc_last``); PyTorch's weights; its outputs
        ``hs``, ``h_T`` (and ``c_T``), ``loss``; its gradients ``grad_*``), each a float64 numpy array, and under
        ``"note"`` a dict: the versions, sizes, seed and loss that made them, and the largest differences from
        this package measured when they were made.
    """
    if cell not in _REFERENCE:
        raise ValueError(f"cell: expected one of {', '.join(map(repr, _REFERENCE))}, got {cell!r}")
    folder = resources.files("lstm_utils").joinpath("results")
    with folder.joinpath(f"{_REFERENCE[cell]}.npz").open("rb") as f, np.load(f) as data:
        out = {k: data[k] for k in data.files}
    out["note"] = json.loads(folder.joinpath(f"{_REFERENCE[cell]}.json").read_text())
    return out
